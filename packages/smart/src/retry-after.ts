import { SmartAuthError } from "./errors.js";

/** The longest `Retry-After` a token request waits for when the user sets no `maxRetryAfterMs`. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 5_000;

/**
 * The wait a 429 or 503 asks for in `Retry-After` (RFC 9110 §10.2.3: delay-seconds or an HTTP-date),
 * in ms from `now`; undefined when the error has no such answer or the header is not valid.
 */
export function retryAfterMs(error: unknown, now: number): number | undefined {
  if (!SmartAuthError.is(error) || (error.status !== 429 && error.status !== 503)) return undefined;
  const value = error.response?.headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  // an HTTP-date names a day of the week first (IMF-fixdate, RFC 850, asctime); a bare number is not one
  if (!Number.isFinite(date) || !/^[A-Za-z]{3}/.test(value)) return undefined;
  return Math.max(0, date - now);
}

/** The `maxRetryAfterMs` option, checked (misuse is a TypeError). */
export function resolveMaxRetryAfterMs(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_RETRY_AFTER_MS;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
    throw new TypeError("maxRetryAfterMs must be a number of ms >= 0");
  return value;
}
