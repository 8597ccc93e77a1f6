import { decodeTokenEnvelope, encodeTokenEnvelope, type StoredToken, type TokenStore } from "@fhir-dsl/token-store";
import { resolveWebStorage, storageCall, type WebStorageOptions } from "./web-storage.js";

/**
 * A TokenStore over Web Storage (default `sessionStorage`) for browser apps with no server. Values are
 * `{"v":1,"token":{...}}` (`encodeTokenEnvelope`), checked on write and on read with the one rule of every
 * store (`storedTokenProblem`): a tampered or foreign value is removed and read as a TokenStoreError
 * `store_corrupt_value`; a full storage is `store_unavailable` (QuotaExceededError as `cause`).
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
    try {
      return decodeTokenEnvelope(name, text);
    } catch (error) {
      // a value this store cannot read is dropped, so the next login starts clean
      storageCall(name, "remove", () => this.#storage.removeItem(name));
      throw error;
    }
  }

  async set(key: string, value: StoredToken): Promise<void> {
    const name = this.prefix + key;
    const text = encodeTokenEnvelope(name, value);
    storageCall(name, "write", () => this.#storage.setItem(name, text));
  }

  async delete(key: string): Promise<void> {
    const name = this.prefix + key;
    storageCall(name, "remove", () => this.#storage.removeItem(name));
  }
}
