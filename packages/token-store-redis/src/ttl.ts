import type { StoredToken } from "@fhir-dsl/token-store";
import type { ResolvedOptions } from "./options.js";

/** Shortest TTL written, so a value just set can still be read back even when its token is long expired. */
export const MIN_TTL_MS = 1_000;
/** Longest TTL written: Redis refuses a PX whose deadline overflows (an expires_at centuries ahead from a hostile server). */
export const MAX_TTL_MS = Number.MAX_SAFE_INTEGER;

/**
 * How long Redis keeps `token`, in ms from `now`:
 * - with a `refresh_token`: `refreshTokenTtl`, or longer if the access token itself lives longer
 *   (a token that can still be refreshed is never dropped);
 * - without one: until `expires_at + grace`;
 * - expiry unknown and no refresh token (checklist E2): `refreshTokenTtl` as a ceiling.
 */
export function ttlMs(token: StoredToken, now: number, options: ResolvedOptions): number {
  const untilExpiry = token.expires_at === undefined ? undefined : token.expires_at + options.graceMs - now;
  let ttl: number;
  if (typeof token.refresh_token === "string" && token.refresh_token !== "") {
    ttl = Math.max(options.refreshTokenTtlMs, untilExpiry ?? 0);
  } else {
    ttl = untilExpiry ?? options.refreshTokenTtlMs;
  }
  return Math.min(MAX_TTL_MS, Math.max(MIN_TTL_MS, Math.ceil(ttl)));
}
