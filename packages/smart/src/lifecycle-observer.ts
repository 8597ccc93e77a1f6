import type { StoredToken, TokenLock, TokenStore } from "@fhir-dsl/token-store";
import type { SmartEventListener } from "./lifecycle-events.js";

type Sink = ReturnType<typeof import("./lifecycle-sink.js").lifecycleSink>;

/**
 * A SmartClient's `onEvent` observer: the calls run and are timed here, unchanged; the events are built and
 * delivered by lifecycle-sink.ts (over lifecycle-events.ts), imported on the first outcome, so a page without `onEvent` never carries
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
  let sink: Promise<Sink> | undefined;
  const deliver = (send: (sink: Sink) => void): void => {
    sink ??= import("./lifecycle-sink.js").then((m) => m.lifecycleSink(listener, ids, now, storeKey));
    sink.then(send, () => (sink = undefined));
  };
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
    /** `refresh` timed: token_renewed (a SmartClient only refreshes); refresh_failed or reauthorization_required. */
    observeRefresh:
      (refresh: (current: StoredToken | undefined) => Promise<StoredToken>) =>
      async (current: StoredToken | undefined): Promise<StoredToken> => {
        const started = performance.now();
        try {
          const token = await refresh(current);
          const durationMs = performance.now() - started;
          deliver((s) => s.renewed(durationMs, token));
          return token;
        } catch (error) {
          const durationMs = performance.now() - started;
          deliver((s) => s.failed(durationMs, error));
          throw error;
        }
      },
    /** The store, reporting the start (store_outage) and end (store_recovered) of each outage once. */
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
