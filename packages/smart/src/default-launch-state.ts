import type { InMemoryLaunchStateStoreOptions, LaunchStateStore } from "./launch-state.js";
import { limit } from "./launch-state-limits.js";

/**
 * SmartLaunch's store when the app gives none: an InMemoryLaunchStateStore imported on the first put or take,
 * so an app with its own store (a browser app's sessionStorage) never loads it (issue 20 item 6).
 */
export function defaultLaunchStateStore(options: InMemoryLaunchStateStoreOptions): LaunchStateStore {
  // misuse stays a TypeError at construction, as with the store made eagerly
  limit(options.maxEntries, 0, "maxEntries");
  limit(options.maxPerSession, 0, "maxPerSession");
  let store: Promise<LaunchStateStore> | undefined;
  const load = (): Promise<LaunchStateStore> => {
    if (!store) {
      store = import("./launch-state.js").then((module) => new module.InMemoryLaunchStateStore(options));
      store.catch(() => (store = undefined)); // a failed load is retried by the next call
    }
    return store;
  };
  return {
    put: async (state, record, ttlMs) => (await load()).put(state, record, ttlMs),
    take: async (state) => (await load()).take(state),
  };
}
