import type { StoredToken, TokenStore } from "@fhir-dsl/token-store";
import { SmartAuthError, SmartAuthErrorCode } from "./errors.js";
import { observers, type LifecycleSink } from "./lifecycle-observer.js";

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
  // the wrappers of lifecycle-observer.ts, each with its own sink (its own first-success and outage state), at once
  const observe = (firstType: "token_obtained" | "token_renewed") => {
    const sink = sinkOf(emit, firstType);
    return observers((send) => send(sink));
  };
  return {
    emit: (event: Parameters<Emit>[0]) => void emit(event),
    setStoreKey(key: string) {
      storeKey = key;
      keyHash = undefined;
    },
    /** `obtain` timed: token_obtained the first time (Backend Services), then token_renewed; refresh_failed or reauthorization_required. */
    observeObtain: <A extends unknown[]>(obtain: (...args: A) => Promise<StoredToken>) =>
      observe("token_obtained").observeObtain(obtain),
    /** `refresh` timed: token_renewed (a SmartClient only refreshes); refresh_failed or reauthorization_required. */
    observeRefresh: <A extends unknown[]>(refresh: (...args: A) => Promise<StoredToken>) =>
      observe("token_renewed").observeObtain(refresh),
    /** The store, reporting the start (store_outage) and end (store_recovered) of each outage once. */
    observeStore: (store: TokenStore) => observe("token_renewed").observeStore(store),
  };
}

/**
 * Outcomes, in the order they happened, as events: `firstType` for the first success, token_renewed after;
 * refresh_failed or reauthorization_required; store_outage once per outage, then store_recovered.
 */
function sinkOf(emit: Emit, firstType: "token_obtained" | "token_renewed"): LifecycleSink {
  let type = firstType;
  let down = false;
  return {
    obtained(durationMs, token) {
      void emit({ type, durationMs, expiresAt: token.expires_at, scope: token.scope });
      type = "token_renewed";
    },
    failed(durationMs, error) {
      const reauth = SmartAuthError.is(error) && error.code === SmartAuthErrorCode.ReauthorizationRequired;
      void emit({
        type: reauth ? "reauthorization_required" : "refresh_failed",
        durationMs,
        error: errorFields(error),
      });
    },
    store(failed, error) {
      if (failed === down) return;
      down = failed;
      void emit(failed ? { type: "store_outage", error: errorFields(error) } : { type: "store_recovered" });
    },
  };
}

/**
 * The delivering half of a SmartClient's emitter, for lifecycle-observer.ts, which times the calls and loads this
 * module on the first outcome (a SmartClient only refreshes: token_renewed).
 */
export function lifecycleSink(
  listener: SmartEventListener,
  ids: { clientId: string; fhirBaseUrl: string },
  now: () => number,
  storeKey: string,
): LifecycleSink {
  const events = lifecycleEmitter(listener, ids, now)!;
  events.setStoreKey(storeKey);
  return sinkOf(async (event) => events.emit(event), "token_renewed");
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
