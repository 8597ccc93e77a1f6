import type { StoredToken, TokenLock, TokenStore } from "@fhir-dsl/token-store";
import type { SmartEventListener } from "./lifecycle-events.js";

/** Where observed outcomes go, in the order they happened (lifecycle-events.ts turns them into events). */
export interface LifecycleSink {
  obtained(durationMs: number, token: StoredToken): void;
  failed(durationMs: number, error: unknown): void;
  store(failed: boolean, error?: unknown): void;
}

type Deliver = (send: (sink: LifecycleSink) => void) => void;

/**
 * A SmartClient's `onEvent` observer: the calls run and are timed here, unchanged; the events are built and
 * delivered by lifecycle-events.ts, imported on the first outcome, so a page without `onEvent` never carries
 * it (issue 20 item 6). Delivery was already asynchronous; outcomes keep their order. Events never stop token
 * handling: when the import fails, those events are dropped and the next outcome tries the import again.
 */
export function lifecycleObserver(
  listener: SmartEventListener | undefined,
  ids: { clientId: string; fhirBaseUrl: string },
  now: () => number,
  storeKey: string,
) {
  if (typeof listener !== "function") return undefined;
  let sink: Promise<LifecycleSink> | undefined;
  return observers((send) => {
    sink ??= import("./lifecycle-events.js").then((m) => m.lifecycleSink(listener, ids, now, storeKey));
    sink.then(send, () => (sink = undefined));
  });
}

/** Wrappers that time a token request and watch a store, handing each outcome to `deliver` as it happens. */
export function observers(deliver: Deliver) {
  const watch = <T>(call: Promise<T>): Promise<T> =>
    call.then(
      (value) => {
        deliver((s) => s.store(false));
        return value;
      },
      (error: unknown) => {
        deliver((s) => s.store(true, error));
        throw error;
      },
    );
  return {
    /** `obtain` timed: obtained, or failed. */
    observeObtain:
      <A extends unknown[]>(obtain: (...args: A) => Promise<StoredToken>) =>
      async (...args: A): Promise<StoredToken> => {
        const started = performance.now();
        try {
          const token = await obtain(...args);
          const durationMs = performance.now() - started;
          deliver((s) => s.obtained(durationMs, token));
          return token;
        } catch (error) {
          const durationMs = performance.now() - started;
          deliver((s) => s.failed(durationMs, error));
          throw error;
        }
      },
    /** The store, each call's outcome handed on (store_outage and store_recovered). */
    observeStore(store: TokenStore): TokenStore {
      const observed: TokenStore = {
        get: (key) => watch(store.get(key)),
        set: (key, value) => watch(store.set(key, value)),
        delete: (key) => watch(store.delete(key)),
      };
      if (typeof store.lock === "function") {
        observed.lock = (key: string, leaseMs: number): Promise<TokenLock | undefined> =>
          watch(store.lock!(key, leaseMs));
      }
      return observed;
    },
  };
}
