import { TokenStoreError, TokenStoreErrorCode } from "./errors.js";
import type { StoredToken } from "./types.js";

// Optional members StoredToken types as strings, and the core reads as strings (canRefresh, patientId, restore's id_token).
const OPTIONAL_STRINGS = ["refresh_token", "id_token", "scope", "patient", "encounter"];

/**
 * Why `value` is not a StoredToken, or `undefined` when it is one: an object with a non-empty string
 * `access_token` (the Bearer credential), a string `token_type`, `expires_at` absent or a finite number
 * of epoch ms, and `refresh_token`, `id_token`, `scope`, `patient`, `encounter` each absent or a string.
 * Other members are free. The reason names a member, never a value, so it is safe in an error message.
 */
export function storedTokenProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a token object";
  const t = value as Record<string, unknown>;
  if (typeof t.access_token !== "string" || t.access_token === "") return "access_token must be a non-empty string";
  if (typeof t.token_type !== "string") return "token_type must be a string";
  // NaN or Infinity would make every renewal check false or true forever (RFC 6749 §5.1 expires_in, made absolute)
  if (t.expires_at !== undefined && !Number.isFinite(t.expires_at)) return "expires_at must be a finite number";
  for (const name of OPTIONAL_STRINGS)
    if (t[name] !== undefined && typeof t[name] !== "string") return `${name} must be a string`;
  return undefined;
}

/** `store_invalid_value`: `set` was given something that is not a StoredToken (message: key and reason, never the value). */
export function invalidValueError(key: string, reason: string): TokenStoreError {
  return new TokenStoreError(`Cannot store under token-store key "${key}": ${reason}`, {
    code: TokenStoreErrorCode.InvalidValue,
    key,
  });
}

/** `store_corrupt_value`: what was read under `key` is not what this store writes (no `cause`: a parser error may quote the value). */
export function corruptValueError(key: string, reason: string): TokenStoreError {
  return new TokenStoreError(`Value under token-store key "${key}" is not a token this store wrote: ${reason}`, {
    code: TokenStoreErrorCode.CorruptValue,
    key,
  });
}

/**
 * The one check every store runs on a token: on `"write"` (set, a lock's fenced set) a bad value is
 * `store_invalid_value`; on `"read"` (a value read back, perhaps tampered or foreign) it is
 * `store_corrupt_value`. Both name `key` and the reason, never the value.
 */
export function assertStoredToken(key: string, value: unknown, on: "write" | "read"): asserts value is StoredToken {
  const reason = storedTokenProblem(value);
  if (reason !== undefined) throw on === "write" ? invalidValueError(key, reason) : corruptValueError(key, reason);
}
