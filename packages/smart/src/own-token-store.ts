import type { StoredToken, TokenStore } from "@fhir-dsl/token-store";

/**
 * The store of a SmartClient given none: its own, read by no one else, so never locked (TokenManager's
 * `ownStore`); values are copied in and out as in InMemoryTokenStore. Not InMemoryTokenStore itself, whose
 * lease code a browser page (which always passes a store) would carry for nothing (issue 20 item 6).
 */
export class OwnTokenStore implements TokenStore {
  readonly #values = new Map<string, StoredToken>();

  async get(key: string): Promise<StoredToken | undefined> {
    const value = this.#values.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }

  async set(key: string, value: StoredToken): Promise<void> {
    this.#values.set(key, structuredClone(value));
  }

  async delete(key: string): Promise<void> {
    this.#values.delete(key);
  }
}
