import { TokenStoreError, TokenStoreErrorCode, type StoredToken, type TokenStore } from "@fhir-dsl/token-store";
import { corrupt, parseObject, resolveWebStorage, storageCall, type WebStorageOptions } from "./web-storage.js";

const FORMAT_VERSION = 1;
const optional = (value: unknown, type: string) => value === undefined || typeof value === type;

/** Why `value` is not a StoredToken, or undefined when it is one. */
function invalidToken(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a token object";
  const t = value as Record<string, unknown>;
  if (typeof t.access_token !== "string" || t.access_token.length === 0)
    return "access_token must be a non-empty string";
  if (typeof t.token_type !== "string") return "token_type must be a string";
  if (t.expires_at !== undefined && (typeof t.expires_at !== "number" || !Number.isFinite(t.expires_at)))
    return "expires_at must be a finite number";
  for (const name of ["refresh_token", "id_token", "scope", "patient", "encounter"])
    if (!optional(t[name], "string")) return `${name} must be a string`;
  return undefined;
}

/**
 * A TokenStore over Web Storage (default `sessionStorage`) for browser apps with no server. Values are
 * `{"v":1,"token":{...}}`, validated on read: a tampered or foreign value is removed and read as a
 * TokenStoreError `store_corrupt_value`; a full storage is `store_unavailable` (QuotaExceededError as `cause`).
 * No `lock`: one tab runs one refresh at a time already (SmartClient single-flights it).
 */
export class WebStorageTokenStore implements TokenStore {
  readonly #storage: Storage;
  /** Every key this store writes starts with this prefix (`smart:<clientId>:token:` by default). */
  readonly prefix: string;

  constructor(options: WebStorageOptions) {
    const { storage, prefix } = resolveWebStorage("WebStorageTokenStore", options);
    this.#storage = storage;
    this.prefix = `${prefix}token:`;
  }

  async get(key: string): Promise<StoredToken | undefined> {
    const name = this.prefix + key;
    const text = storageCall(name, "read", () => this.#storage.getItem(name));
    if (text === null) return undefined;
    const envelope = parseObject(text);
    const reason =
      envelope === undefined
        ? "not a JSON object"
        : envelope.v !== FORMAT_VERSION
          ? "unknown format version"
          : invalidToken(envelope.token);
    if (reason === undefined) return envelope!.token as StoredToken;
    storageCall(name, "remove", () => this.#storage.removeItem(name));
    throw corrupt(name, reason);
  }

  async set(key: string, value: StoredToken): Promise<void> {
    const name = this.prefix + key;
    const reason = invalidToken(value);
    if (reason !== undefined)
      throw new TokenStoreError(`Cannot store under Web Storage key "${name}": ${reason}`, {
        code: TokenStoreErrorCode.InvalidValue,
        key: name,
      });
    let text: string;
    try {
      text = JSON.stringify({ v: FORMAT_VERSION, token: value });
    } catch {
      throw new TokenStoreError(`Cannot store under Web Storage key "${name}": the token is not JSON-serialisable`, {
        code: TokenStoreErrorCode.InvalidValue,
        key: name,
      });
    }
    storageCall(name, "write", () => this.#storage.setItem(name, text));
  }

  async delete(key: string): Promise<void> {
    const name = this.prefix + key;
    storageCall(name, "remove", () => this.#storage.removeItem(name));
  }
}
