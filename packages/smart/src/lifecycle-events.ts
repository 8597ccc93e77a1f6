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
      void emit({ type, durationMs: performance.now() - started, expiresAt: token.expires_at, scope: token.scope });
      type = "token_renewed";
      return token;
    } catch (error) {
      const reauth = SmartAuthError.is(error) && error.code === SmartAuthErrorCode.ReauthorizationRequired;
      void emit({
        type: reauth ? "reauthorization_required" : "refresh_failed",
        durationMs: performance.now() - started,
        error: errorFields(error),
      });
      throw error;
    }
  };
}

function observedStore(emit: Emit, store: TokenStore): TokenStore {
  let down = false;
  const watch = <T>(call: () => Promise<T>): Promise<T> =>
    call().then(
      (value) => {
        if (down) {
          down = false;
          void emit({ type: "store_recovered" });
        }
        return value;
      },
      (error: unknown) => {
        if (!down) {
          down = true;
          void emit({ type: "store_outage", error: errorFields(error) });
        }
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

export function errorFields(error: unknown): SmartLifecycleEvent["error"] {
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
