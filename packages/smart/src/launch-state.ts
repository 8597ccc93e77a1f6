import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";

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
  /** Most records kept; the oldest are dropped first (default 10 000). */
  maxEntries?: number;
}

/** A process-local LaunchStateStore: records expire, and the oldest go first when it is full. */
export class InMemoryLaunchStateStore implements LaunchStateStore {
  readonly #records = new Map<string, { record: LaunchRecord; until: number }>();
  readonly #now: () => number;
  readonly #max: number;

  constructor(options: InMemoryLaunchStateStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#max = options.maxEntries ?? 10_000;
  }

  async put(state: string, record: LaunchRecord, ttlMs: number): Promise<void> {
    const now = this.#now();
    // Records arrive in expiry order when the TTL is the same (as SmartLaunch's is): drop expired ones from
    // the front only, so a put costs no scan of every waiting record during a launch storm.
    for (const [key, entry] of this.#records) {
      if (entry.until > now) break;
      this.#records.delete(key);
    }
    while (this.#records.size >= this.#max) this.#records.delete(this.#records.keys().next().value!);
    this.#records.set(state, { record: structuredClone(record), until: now + ttlMs });
  }

  async take(state: string): Promise<LaunchRecord | undefined> {
    const entry = this.#records.get(state);
    this.#records.delete(state);
    return entry && entry.until > this.#now() ? entry.record : undefined;
  }

  /** Records waiting (an expired one is counted until a put finds it at the front; `take` never returns it). */
  get size(): number {
    return this.#records.size;
  }
}
