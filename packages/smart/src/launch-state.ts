import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { fail, SmartAuthError, SmartAuthErrorCode } from "./errors.js";
import { limit } from "./launch-state-limits.js";

/**
 * What a launch must remember between the redirect to the server and the callback, per `state`
 * (checklist E12). It holds the PKCE verifier: keep it server-side or in app-specific storage.
 */
export interface LaunchRecord {
  state: string;
  codeVerifier: string;
  nonce?: string;
  redirectUri: string;
  /** The FHIR base = the `aud` sent (for an EHR launch the `iss`, byte for byte). */
  fhirBaseUrl: string;
  smartConfig: SmartConfiguration;
  clientId: string;
  /** The scope requested, normalised. */
  scope: string;
  /** The `launch` of an EHR launch. */
  launch?: string;
  /** Binds the state to the user's session (checklist 2.33), when the app passed one. */
  session?: string;
  /** Epoch ms. */
  createdAt: number;
}

/**
 * Where launch records wait for their callback. `take` must be atomic (get and delete in one step), so
 * a `state` is usable once even with concurrent callbacks (checklist 2.3, E12). Records expire after `ttlMs`.
 */
export interface LaunchStateStore {
  put(state: string, record: LaunchRecord, ttlMs: number): Promise<void>;
  take(state: string): Promise<LaunchRecord | undefined>;
}

export interface InMemoryLaunchStateStoreOptions {
  /** Clock in epoch ms (default Date.now). */
  now?: () => number;
  /** Most records kept overall (default 10 000); when full, new starts are refused, waiting ones stay (F18). */
  maxEntries?: number;
  /** Most pending launches of one session (default 16); the session's next start is refused (F18). */
  maxPerSession?: number;
}

/**
 * A process-local LaunchStateStore with bounded memory. It never evicts a waiting launch to make room
 * (that would let unauthenticated launch starts cancel real users' logins, SECURITY.md F18): a session
 * over its bound, or any start while the store is full, gets `SmartAuthError` `launch_limit` instead.
 */
export class InMemoryLaunchStateStore implements LaunchStateStore {
  readonly #records = new Map<string, { record: LaunchRecord; until: number }>();
  readonly #perSession = new Map<string, number>();
  readonly #now: () => number;
  readonly #max: number;
  readonly #maxPerSession: number;

  constructor(options: InMemoryLaunchStateStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#max = limit(options.maxEntries, 10_000, "maxEntries");
    this.#maxPerSession = limit(options.maxPerSession, 16, "maxPerSession");
  }

  async put(state: string, record: LaunchRecord, ttlMs: number): Promise<void> {
    const now = this.#now();
    // Records arrive in expiry order when the TTL is the same (as SmartLaunch's is): drop expired ones from
    // the front only, so a put costs no scan of every waiting record during a launch storm.
    for (const [key, entry] of this.#records) {
      if (entry.until > now) break;
      this.#delete(key);
    }
    if (this.#records.has(state)) this.#delete(state);
    const session = record.session;
    if (session !== undefined && (this.#perSession.get(session) ?? 0) >= this.#maxPerSession) {
      throw fail(
        SmartAuthErrorCode.LaunchLimit,
        `This session has ${this.#maxPerSession} launches waiting for their callback: finish or let them expire first`,
      );
    }
    // full: records with other TTLs may have expired behind a longer one; one sweep (only when full) finds them
    if (this.#records.size >= this.#max)
      for (const [key, entry] of this.#records) if (entry.until <= now) this.#delete(key);
    if (this.#records.size >= this.#max) {
      throw new SmartAuthError(`The launch state store is full (${this.#max} launches waiting): try again later`, {
        code: SmartAuthErrorCode.LaunchLimit,
        retryable: true,
      });
    }
    this.#records.set(state, { record: structuredClone(record), until: now + ttlMs });
    if (session !== undefined) this.#perSession.set(session, (this.#perSession.get(session) ?? 0) + 1);
  }

  async take(state: string): Promise<LaunchRecord | undefined> {
    const entry = this.#records.get(state);
    this.#delete(state);
    return entry && entry.until > this.#now() ? entry.record : undefined;
  }

  /** Records waiting (an expired one is counted until a put finds it at the front; `take` never returns it). */
  get size(): number {
    return this.#records.size;
  }

  /** Sessions with launches waiting (bounded by `size`). */
  get sessions(): number {
    return this.#perSession.size;
  }

  #delete(state: string): void {
    const session = this.#records.get(state)?.record.session;
    if (!this.#records.delete(state) || session === undefined) return;
    const left = (this.#perSession.get(session) ?? 1) - 1;
    if (left > 0) this.#perSession.set(session, left);
    else this.#perSession.delete(session);
  }
}
