import type { StoredToken, TokenLock, TokenStore } from "@fhir-dsl/token-store";
import { SmartAuthError, SmartAuthErrorCode } from "./errors.js";

/** What happened to a provider's token, store or discovery; timings and non-secret identifiers only, never a token. */
export interface SmartLifecycleEvent {
  type:
    | "token_obtained"
    | "token_renewed"
    | "refresh_failed"
    | "reauthorization_required"
    | "store_outage"
    | "store_recovered"
    | "discovery_refreshed";
  /** Epoch ms when the event was emitted. */
  at: number;
  clientId: string;
  fhirBaseUrl: string;
  /** First 16 hex digits of SHA-256 of the store key: correlates a session's events without naming it. */
  storeKeyHash?: string;
  /** How long the token request, or the discovery, took. */
  durationMs?: number;
  /** The new token's `expires_at` (epoch ms) and granted scope. */
  expiresAt?: number;
  scope?: string;
  /** For failures: the typed error's fields (no message text, no token). */
  error?: { code: string; error?: string; status?: number; retryable?: boolean };
}

export type SmartEventListener = (event: SmartLifecycleEvent) => void;

type Emit = (event: Omit<SmartLifecycleEvent, "at" | "clientId" | "fhirBaseUrl" | "storeKeyHash">) => Promise<void>;

/** An emitter bound to one provider; does nothing (and costs nothing) without a listener. */
export function lifecycleEmitter(
  listener: SmartEventListener | undefined,
  ids: { clientId: string; fhirBaseUrl: string },
  now: () => number,
) {
  if (typeof listener !== "function") return undefined;
  let keyHash: Promise<string> | undefined;
  let storeKey: string | undefined;
  const emit: Emit = async (event) => {
    const storeKeyHash = storeKey === undefined ? undefined : await (keyHash ??= hashKey(storeKey));
    try {
      listener({ ...event, at: now(), ...ids, ...(storeKeyHash ? { storeKeyHash } : {}) });
    } catch {
      // a throwing listener must not break token handling
    }
  };
  return {
    emit: (event: Parameters<Emit>[0]) => void emit(event),
    setStoreKey(key: string) {
      storeKey = key;
      keyHash = undefined;
    },
    /** `obtain` timed: token_obtained the first time (Backend Services), then token_renewed; refresh_failed or reauthorization_required. */
    observeObtain: <A extends unknown[]>(obtain: (...args: A) => Promise<StoredToken>) =>
      observed(emit, obtain, "token_obtained"),
    /** `refresh` timed: token_renewed (a SmartClient only refreshes); refresh_failed or reauthorization_required. */
    observeRefresh: <A extends unknown[]>(refresh: (...args: A) => Promise<StoredToken>) =>
      observed(emit, refresh, "token_renewed"),
    /** The store, reporting the start (store_outage) and end (store_recovered) of each outage once. */
    observeStore: (store: TokenStore) => observedStore(emit, store),
  };
}

/** `obtain` timed: `firstType` for its first success, token_renewed after; refresh_failed or reauthorization_required. */
function observed<A extends unknown[]>(
  emit: Emit,
  obtain: (...args: A) => Promise<StoredToken>,
  firstType: "token_obtained" | "token_renewed",
) {
  let type = firstType;
  return async (...args: A): Promise<StoredToken> => {
    const started = performance.now();
    try {
      const token = await obtain(...args);
      emitObtained(emit, type, performance.now() - started, token);
      type = "token_renewed";
      return token;
    } catch (error) {
      emitObtainFailed(emit, performance.now() - started, error);
      throw error;
    }
  };
}

function emitObtained(emit: Emit, type: "token_obtained" | "token_renewed", durationMs: number, token: StoredToken) {
  void emit({ type, durationMs, expiresAt: token.expires_at, scope: token.scope });
}

function emitObtainFailed(emit: Emit, durationMs: number, error: unknown) {
  const reauth = SmartAuthError.is(error) && error.code === SmartAuthErrorCode.ReauthorizationRequired;
  void emit({ type: reauth ? "reauthorization_required" : "refresh_failed", durationMs, error: errorFields(error) });
}

/**
 * The delivering half of a SmartClient's emitter, for lifecycle-observer.ts, which times the calls and loads this
 * module on the first outcome: outcomes arrive here in the order they happened.
 */
export function lifecycleSink(
  listener: SmartEventListener,
  ids: { clientId: string; fhirBaseUrl: string },
  now: () => number,
  storeKey: string,
) {
  const events = lifecycleEmitter(listener, ids, now)!;
  events.setStoreKey(storeKey);
  const emit: Emit = async (event) => events.emit(event);
  return {
    store: storeOutcomes(emit),
    renewed: (durationMs: number, token: StoredToken) => emitObtained(emit, "token_renewed", durationMs, token),
    failed: (durationMs: number, error: unknown) => emitObtainFailed(emit, durationMs, error),
  };
}

/** Each store call's outcome (`failed`, with its error) in call order: store_outage once per outage, then store_recovered. */
function storeOutcomes(emit: Emit): (failed: boolean, error?: unknown) => void {
  let down = false;
  return (failed, error) => {
    if (failed === down) return;
    down = failed;
    void emit(failed ? { type: "store_outage", error: errorFields(error) } : { type: "store_recovered" });
  };
}

function observedStore(emit: Emit, store: TokenStore): TokenStore {
  const outcome = storeOutcomes(emit);
  const watch = <T>(call: () => Promise<T>): Promise<T> =>
    call().then(
      (value) => {
        outcome(false);
        return value;
      },
      (error: unknown) => {
        outcome(true, error);
        throw error;
      },
    );
  const observed: TokenStore = {
    get: (key) => watch(() => store.get(key)),
    set: (key, value) => watch(() => store.set(key, value)),
    delete: (key) => watch(() => store.delete(key)),
  };
  if (typeof store.lock === "function") {
    observed.lock = (key: string, leaseMs: number): Promise<TokenLock | undefined> =>
      watch(() => store.lock!(key, leaseMs));
  }
  return observed;
}

function errorFields(error: unknown): SmartLifecycleEvent["error"] {
  const e = error as { code?: unknown; error?: unknown; status?: unknown; retryable?: unknown } | null;
  return {
    code: typeof e?.code === "string" ? e.code : error instanceof TypeError ? "TypeError" : "unknown",
    ...(typeof e?.error === "string" ? { error: e.error } : {}),
    ...(typeof e?.status === "number" ? { status: e.status } : {}),
    ...(typeof e?.retryable === "boolean" ? { retryable: e.retryable } : {}),
  };
}

async function hashKey(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  return Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}
