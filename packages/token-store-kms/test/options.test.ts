import { InMemoryTokenStore, type StoredToken, type TokenStore } from "@fhir-dsl/token-store";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { KmsEncryptedTokenStore, type KmsCallStats, type KmsEncryptedTokenStoreOptions } from "../src/index.js";
import { startLocalKms, type LocalKms } from "@fhir-dsl/test-kms";
import { kmsClient, secretToken } from "./helpers.js";

let kms: LocalKms;
beforeAll(async () => {
  kms = await startLocalKms();
});
afterAll(() => kms.close());

const base = (): KmsEncryptedTokenStoreOptions => ({
  kms: kmsClient(kms),
  keyId: "alias/tokens",
  store: new InMemoryTokenStore(),
});

describe("construction: misuse throws a TypeError that says what to pass", () => {
  const cases: [string, Partial<Record<keyof KmsEncryptedTokenStoreOptions, unknown>>, RegExp][] = [
    ["missing kms", { kms: undefined }, /pass kms, a KMSClient/],
    ["kms without send", { kms: {} }, /pass kms/],
    ["missing keyId", { keyId: undefined }, /pass keyId/],
    ["blank keyId", { keyId: "  " }, /pass keyId/],
    ["missing store", { store: undefined }, /pass store, a TokenStore/],
    ["store without delete", { store: { get() {}, set() {} } }, /pass store/],
    ["non-string context value", { encryptionContext: { tenant: 1 } }, /encryptionContext.tenant must be a string/],
    ["reserved context key", { encryptionContext: { "fhir-dsl:purpose": "x" } }, /reserved/],
    ["zero maxMessages", { dataKeyCache: { maxMessages: 0 } }, /dataKeyCache.maxMessages/],
    ["maxMessages above 2^32", { dataKeyCache: { maxMessages: 2 ** 32 + 1 } }, /dataKeyCache.maxMessages/],
    ["fractional maxAgeMs", { dataKeyCache: { maxAgeMs: 1.5 } }, /dataKeyCache.maxAgeMs/],
    ["cache option true", { decryptedKeyCache: true }, /or false to disable/],
    ["negative maxEntries", { decryptedKeyCache: { maxEntries: -1 } }, /decryptedKeyCache.maxEntries/],
    ["non-function now", { now: 5 }, /now must be a function/],
    ["zero timeoutMs", { timeoutMs: 0 }, /timeoutMs/],
  ];
  for (const [name, override, message] of cases) {
    it(name, () => {
      expect(() => new KmsEncryptedTokenStore({ ...base(), ...override } as KmsEncryptedTokenStoreOptions)).toThrow(
        TypeError,
      );
      expect(() => new KmsEncryptedTokenStore({ ...base(), ...override } as KmsEncryptedTokenStoreOptions)).toThrow(
        message,
      );
    });
  }

  it("no options object at all", () => {
    expect(() => new KmsEncryptedTokenStore(undefined as never)).toThrow(/\{ kms, keyId, store \}/);
  });

  it("a non-string storage key is a TypeError", async () => {
    const store = new KmsEncryptedTokenStore(base());
    await expect(store.get(1 as never)).rejects.toThrow(TypeError);
    await expect(store.set(undefined as never, secretToken())).rejects.toThrow(/storage key as a string/);
  });
});

describe("the lock capability passes through to the wrapped store", () => {
  it("present exactly when the wrapped store has lock()", () => {
    const withLock = new KmsEncryptedTokenStore(base());
    expect(typeof withLock.lock).toBe("function");
    const plain: TokenStore = { get: async () => undefined, set: async () => {}, delete: async () => {} };
    const withoutLock = new KmsEncryptedTokenStore({ ...base(), store: plain });
    expect("lock" in withoutLock).toBe(false);
  });

  it("leases are the wrapped store's leases (shared with direct users of that store)", async () => {
    const inner = new InMemoryTokenStore();
    const store = new KmsEncryptedTokenStore({ ...base(), store: inner });
    const held = await store.lock!("grant", 5_000);
    expect(held).toBeDefined();
    expect(await inner.lock("grant", 5_000)).toBeUndefined();
    await held!.release();
    expect(await inner.lock("grant", 5_000)).toBeDefined();
  });

  it("delete passes through", async () => {
    const inner = new InMemoryTokenStore();
    const store = new KmsEncryptedTokenStore({ ...base(), store: inner });
    await store.set("k", secretToken());
    expect(inner.size).toBe(1);
    await store.delete("k");
    expect(inner.size).toBe(0);
  });
});

describe("the value handed to the wrapped store", () => {
  it("is a StoredToken placeholder: expiry kept, refresh token only flagged, token_type kms-envelope", async () => {
    const inner = new InMemoryTokenStore();
    const store = new KmsEncryptedTokenStore({ ...base(), store: inner });
    await store.set("with-refresh", secretToken());
    await store.set("without", { access_token: "AT-SECRET-0123456789", token_type: "Bearer" });
    const [a, b] = [await inner.get("with-refresh"), await inner.get("without")];
    expect(Object.keys(a!).sort()).toEqual(["__kms", "access_token", "expires_at", "refresh_token", "token_type"]);
    expect(a).toMatchObject({
      access_token: "<redacted>",
      token_type: "kms-envelope",
      expires_at: 1_893_456_000_000,
      refresh_token: "<redacted>",
    });
    expect(Object.keys(b!).sort()).toEqual(["__kms", "access_token", "token_type"]);
    for (const value of [a, b]) expect(JSON.stringify(value)).not.toContain("SECRET");
  });
});

describe("public types", () => {
  it("implements TokenStore and exposes stats and rotate", () => {
    expectTypeOf<KmsEncryptedTokenStore>().toMatchTypeOf<TokenStore>();
    expectTypeOf<KmsEncryptedTokenStore["stats"]>().toEqualTypeOf<KmsCallStats>();
    expectTypeOf<KmsEncryptedTokenStore["get"]>().returns.resolves.toEqualTypeOf<StoredToken | undefined>();
    expectTypeOf<KmsEncryptedTokenStore["rotate"]>().parameter(0).toBeString();
    const store = new KmsEncryptedTokenStore(base());
    expect(store.stats).toEqual({ generateDataKey: 0, decrypt: 0, describeKey: 0 });
    store.stats.decrypt = 99;
    expect(store.stats.decrypt).toBe(0);
  });
});
