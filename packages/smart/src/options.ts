import { DEFAULT_REFRESH_MARGIN_MS } from "./defaults.js";
import { resolveLeaseMs, type LeaseOptions } from "./lease.js";

export * from "./defaults.js";
export { DEFAULT_TIMEOUT_MS } from "./endpoint.js";
export { MIN_DEFAULT_LEASE_MS } from "./lease.js";
export { DEFAULT_MAX_RETRY_AFTER_MS } from "./retry-after.js";

/** What a token-holding flow (SmartClient, BackendServicesAuth, SmartLaunch's sessions) says about renewal. */
export interface RenewalOptions extends LeaseOptions {
  now?: (() => number) | undefined;
  refreshMarginMs?: number | undefined;
}

/** Renewal settings checked once, at construction, with every default filled in. */
export interface ResolvedRenewal {
  now: () => number;
  refreshMarginMs: number;
  leaseMs: number;
}

/**
 * The one step that checks and resolves a flow's renewal options (misuse is a TypeError naming `who`):
 * the lease against the worst-case refresh (SECURITY.md F10), the margin and clock defaults.
 */
export function resolveRenewal(who: string, options: RenewalOptions): ResolvedRenewal {
  return {
    now: options.now ?? Date.now,
    refreshMarginMs: options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS,
    leaseMs: resolveLeaseMs(who, options),
  };
}
