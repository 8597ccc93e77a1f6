// @fhir-dsl/smart-browser installed alone (it brings @fhir-dsl/smart), ESM: the stores over any Web Storage.
import assert from "node:assert/strict";
import { authorize, ready, signOut, WebStorageLaunchStateStore, WebStorageTokenStore } from "@fhir-dsl/smart-browser";

assert.match(
  import.meta.resolve("@fhir-dsl/smart-browser"),
  /\/dist\/node\/index\.js$/,
  "import must resolve to the ESM build for Node (export condition node)",
);
for (const fn of [authorize, ready, signOut]) assert.equal(typeof fn, "function");

/** A Storage as the browser has it, in memory. */
class MemoryStorage {
  #items = new Map();
  get length() {
    return this.#items.size;
  }
  key(i) {
    return [...this.#items.keys()][i] ?? null;
  }
  getItem(k) {
    return this.#items.has(k) ? this.#items.get(k) : null;
  }
  setItem(k, v) {
    this.#items.set(k, String(v));
  }
  removeItem(k) {
    this.#items.delete(k);
  }
  clear() {
    this.#items.clear();
  }
}

const storage = new MemoryStorage();
const tokens = new WebStorageTokenStore({ clientId: "app", storage });
const token = {
  access_token: "at-1",
  token_type: "Bearer",
  expires_at: Date.now() + 300_000,
  scope: "patient/*.rs",
};
await tokens.set("k", token);
assert.equal((await tokens.get("k"))?.access_token, "at-1");
assert.ok(storage.key(0).startsWith("smart:app:"), "keys are namespaced per client");
await tokens.delete("k");
assert.equal(await tokens.get("k"), undefined);
assert.ok(new WebStorageLaunchStateStore({ clientId: "app", storage }));
assert.throws(
  () => new WebStorageTokenStore({ clientId: "app" }),
  TypeError,
  "no sessionStorage in Node: a TypeError says what to pass",
);
console.log("ESM: WebStorageTokenStore round trip, namespaced keys");
