import { assertStoredToken, corruptValueError, invalidValueError } from "./stored-token-check.js";
import type { StoredToken } from "./types.js";

/** Format version of the text envelope; a reader refuses versions it does not know (a newer release wrote them). */
export const TOKEN_ENVELOPE_VERSION = 1;

/**
 * The text a store keeps for `token`: `{"v":1,"token":{...}}`, after the StoredToken check.
 * `store_invalid_value` (key and reason only) when `token` is not a StoredToken or not JSON-serialisable.
 */
export function encodeTokenEnvelope(key: string, token: StoredToken): string {
  assertStoredToken(key, token, "write");
  try {
    return JSON.stringify({ v: TOKEN_ENVELOPE_VERSION, token });
  } catch {
    // no `cause`: the serialiser's message may quote a member
    throw invalidValueError(key, "the token is not JSON-serialisable");
  }
}

/**
 * The fresh StoredToken inside `text` (outside input), or `store_corrupt_value` naming `key` and the
 * reason, never the text. Never throws anything else.
 */
export function decodeTokenEnvelope(key: string, text: string): StoredToken {
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    throw corruptValueError(key, "not JSON");
  }
  if (typeof envelope !== "object" || envelope === null || Array.isArray(envelope) || !("v" in envelope))
    throw corruptValueError(key, "no format version");
  const { v, token } = envelope as { v: unknown; token: unknown };
  if (v !== TOKEN_ENVELOPE_VERSION) {
    const known = typeof v === "number" && Number.isInteger(v);
    throw corruptValueError(key, known ? `unknown format version ${v}` : "invalid format version");
  }
  assertStoredToken(key, token, "read");
  return token;
}
