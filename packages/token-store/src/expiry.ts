import type { StoredToken, TokenResponse } from "./types.js";

/**
 * Turn a token response into a StoredToken with an absolute expiry taken from the local receipt
 * time (checklist E2): numeric strings are coerced, 0 or negative means "expired now", a missing
 * or unreadable `expires_in` leaves `expires_at` unset (unknown), never NaN.
 */
export function toStoredToken(response: TokenResponse, receivedAt: number): StoredToken {
  const stored: StoredToken = { ...response };
  const raw: unknown = response.expires_in;
  const seconds = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
  // A lifetime so large that the absolute expiry overflows (e.g. 1e306 s) is as good as unknown.
  const expiresAt = typeof seconds === "number" ? receivedAt + Math.max(0, seconds) * 1000 : Number.NaN;
  if (typeof seconds === "number" && Number.isFinite(expiresAt)) {
    stored.expires_in = seconds;
    stored.expires_at = expiresAt;
  } else {
    delete stored.expires_in;
    delete stored.expires_at;
  }
  return stored;
}

/**
 * Whether `token` should be renewed at `now`, renewing `marginMs` ahead of its expiry.
 * A token with unknown expiry is not stale: it is renewed reactively, on a 401.
 */
export function isStale(token: StoredToken, now: number, marginMs = 0): boolean {
  return token.expires_at !== undefined && token.expires_at - marginMs <= now;
}
