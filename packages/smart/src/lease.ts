import { DEFAULT_TIMEOUT_MS } from "./endpoint.js";
import { resolveMaxRetryAfterMs } from "./retry-after.js";
import { backoffCeilingMs } from "./backoff.js";
import { DEFAULT_MAX_RETRIES } from "./defaults.js";

/** What a flow's options say about its refresh lease. */
export interface LeaseOptions {
  leaseMs?: number | undefined;
  timeoutMs?: number | undefined;
  maxRetries?: number | undefined;
  maxRetryAfterMs?: number | undefined;
}

/** Room left in the default lease for the store calls made under it (re-read, fenced write, release). */
export const STORE_ALLOWANCE_MS = 5_000;
/** The least default lease. */
export const MIN_DEFAULT_LEASE_MS = 30_000;

/**
 * The longest one token request can take (token-request.ts): every attempt running into `timeoutMs`,
 * plus the longest wait between attempts (the backoff, or a `Retry-After` up to `maxRetryAfterMs`).
 */
export function worstCaseRefreshMs({
  timeoutMs = DEFAULT_TIMEOUT_MS,
  maxRetries = DEFAULT_MAX_RETRIES,
  maxRetryAfterMs,
}: LeaseOptions): { totalMs: number; backoffMs: number } {
  const retryAfter = resolveMaxRetryAfterMs(maxRetryAfterMs);
  let backoffMs = 0;
  for (let attempt = 0; attempt < maxRetries; attempt++) backoffMs += Math.max(backoffCeilingMs(attempt), retryAfter);
  return { totalMs: timeoutMs * (maxRetries + 1) + backoffMs, backoffMs };
}

/**
 * The refresh lease of a flow: `leaseMs`, or by default the worst-case refresh plus room for the store
 * calls (at least 30 s). A lease shorter than the worst-case refresh is misuse (TypeError naming both
 * figures): the holder could lose it mid-refresh, and a second process would then present the same
 * rotating refresh token, which a server with reuse detection answers by revoking the grant
 * (RFC 9700 section 4.14.2; SECURITY.md F10). The holder also extends the lease while its refresh runs.
 */
export function resolveLeaseMs(who: string, options: LeaseOptions): number {
  const { leaseMs, timeoutMs = DEFAULT_TIMEOUT_MS, maxRetries = DEFAULT_MAX_RETRIES } = options;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0) || !(Number.isInteger(maxRetries) && maxRetries >= 0)) {
    throw new TypeError(
      `${who}: timeoutMs must be a positive number of ms and maxRetries an integer >= 0 (defaults 10000 and 2)`,
    );
  }
  const { totalMs, backoffMs } = worstCaseRefreshMs({
    timeoutMs,
    maxRetries,
    maxRetryAfterMs: options.maxRetryAfterMs,
  });
  if (leaseMs === undefined) return Math.max(MIN_DEFAULT_LEASE_MS, totalMs + STORE_ALLOWANCE_MS);
  if (typeof leaseMs !== "number" || !Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw new TypeError(`${who}: leaseMs must be a positive number of ms, or omitted for the default`);
  }
  if (leaseMs < totalMs) {
    throw new TypeError(
      `${who}: leaseMs ${leaseMs} ms is shorter than the worst-case refresh ${totalMs} ms ` +
        `(timeoutMs ${timeoutMs} x (maxRetries ${maxRetries} + 1) + backoff or Retry-After ${backoffMs} ms): another process could take ` +
        `the lease mid-refresh and present the same refresh token. Raise leaseMs to at least ${totalMs}, or lower timeoutMs, maxRetries or maxRetryAfterMs`,
    );
  }
  return leaseMs;
}
