import { TokenStoreError, TokenStoreErrorCode, type StoredToken } from "@fhir-dsl/token-store";

/** Format version written in every value; a reader refuses versions it does not know. */
export const FORMAT_VERSION = 1;

function corrupt(key: string, reason: string): TokenStoreError {
  // No `cause`: a JSON.parse error quotes the input, and the input may hold a token.
  return new TokenStoreError(`Value under token-store key "${key}" is not a token this store wrote: ${reason}`, {
    code: TokenStoreErrorCode.CorruptValue,
    key,
  });
}

/** TokenStoreError InvalidValue unless `value` looks like a StoredToken. */
export function checkToken(key: string, value: unknown): asserts value is StoredToken {
  let reason: string | undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value))
    reason = "value must be a StoredToken object";
  else if (typeof (value as StoredToken).access_token !== "string") reason = "access_token must be a string";
  else {
    const expiresAt = (value as StoredToken).expires_at;
    if (expiresAt !== undefined && (typeof expiresAt !== "number" || !Number.isFinite(expiresAt))) {
      reason = "expires_at must be a finite number of epoch ms, or absent";
    }
  }
  if (reason !== undefined) {
    throw new TokenStoreError(`Cannot store under token-store key "${key}": ${reason}`, {
      code: TokenStoreErrorCode.InvalidValue,
      key,
    });
  }
}

/** The stored text of `token`: `{"v":1,"token":{...}}`. */
export function encodeToken(key: string, token: StoredToken): string {
  checkToken(key, token);
  try {
    return JSON.stringify({ v: FORMAT_VERSION, token });
  } catch {
    throw new TokenStoreError(`Cannot store under token-store key "${key}": the token is not JSON-serialisable`, {
      code: TokenStoreErrorCode.InvalidValue,
      key,
    });
  }
}

/** Parse stored text back into a fresh StoredToken, or throw CorruptValue naming the key (never the value). */
export function decodeToken(key: string, text: string): StoredToken {
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    throw corrupt(key, "not JSON");
  }
  if (typeof envelope !== "object" || envelope === null || Array.isArray(envelope) || !("v" in envelope)) {
    throw corrupt(key, "no format version");
  }
  const { v, token } = envelope as { v: unknown; token: unknown };
  if (v !== FORMAT_VERSION) {
    throw corrupt(
      key,
      typeof v === "number" && Number.isInteger(v) ? `unknown format version ${v}` : "invalid format version",
    );
  }
  if (typeof token !== "object" || token === null || Array.isArray(token)) throw corrupt(key, "no token object");
  const t = token as StoredToken;
  if (typeof t.access_token !== "string") throw corrupt(key, "token has no access_token");
  if (t.expires_at !== undefined && (typeof t.expires_at !== "number" || !Number.isFinite(t.expires_at))) {
    throw corrupt(key, "expires_at is not a number");
  }
  return t;
}
