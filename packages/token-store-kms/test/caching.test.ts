import { InMemoryTokenStore } from "@fhir-dsl/token-store";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { KmsEncryptedTokenStore } from "../src/index.js";
import { startLocalKms, type LocalKms } from "@fhir-dsl/test-kms";
import { encryptedStore, kmsClient, secretToken, uniqueKey } from "./helpers.js";

let kms: LocalKms;
beforeAll(async () => {
  kms = await startLocalKms();
});
afterAll(() => kms.close());
beforeEach(() => kms.resetCounts());

describe("read path: decrypted data keys are cached (ARCHITECTURE.md invariant: no KMS call per read)", () => {
  it("1,000 reads of one stored token by a fresh instance cost at most 1 Decrypt", async () => {
    const inner = new InMemoryTokenStore();
    const writer = encryptedStore(kms, { store: inner }).store;
    const key = uniqueKey("reads");
    await writer.set(key, secretToken());
    const reader = encryptedStore(kms, { store: inner }).store;
    kms.resetCounts();
    for (let i = 0; i < 1_000; i++) expect((await reader.get(key))?.access_token).toBe("AT-SECRET-0123456789");
    expect(kms.calls.Decrypt).toBe(1);
    // F12: the alias is resolved once, by the GenerateDataKey the next write would make anyway
    expect(reader.stats).toEqual({ generateDataKey: 1, decrypt: 1, describeKey: 0 });
  });

  it("concurrent cold reads of one value share a single Decrypt (single flight)", async () => {
    const inner = new InMemoryTokenStore();
    const key = uniqueKey("cold");
    await encryptedStore(kms, { store: inner }).store.set(key, secretToken());
    const reader = encryptedStore(kms, { store: inner }).store;
    kms.resetCounts();
    const results = await Promise.all(Array.from({ length: 50 }, () => reader.get(key)));
    expect(results.every((t) => t?.refresh_token === "RT-SECRET-9876543210")).toBe(true);
    expect(kms.calls.Decrypt).toBe(1);
  });

  it("the writer reads its own values without any Decrypt", async () => {
    const { store } = encryptedStore(kms);
    const key = uniqueKey("own");
    await store.set(key, secretToken());
    await store.get(key);
    expect(kms.calls.Decrypt).toBe(0);
  });

  it("decryptedKeyCache: false calls Decrypt on every read", async () => {
    const inner = new InMemoryTokenStore();
    const key = uniqueKey("nocache");
    await encryptedStore(kms, { store: inner }).store.set(key, secretToken());
    const reader = encryptedStore(kms, { store: inner, decryptedKeyCache: false }).store;
    kms.resetCounts();
    for (let i = 0; i < 5; i++) await reader.get(key);
    expect(kms.calls.Decrypt).toBe(5);
  });

  it("a cached data key expires after maxAgeMs and is evicted beyond maxEntries (LRU)", async () => {
    let now = 0;
    const inner = new InMemoryTokenStore();
    const writer = encryptedStore(kms, { store: inner, dataKeyCache: false }).store;
    const keys = [uniqueKey("lru"), uniqueKey("lru"), uniqueKey("lru")];
    for (const key of keys) await writer.set(key, secretToken());
    const reader = encryptedStore(kms, {
      store: inner,
      now: () => now,
      decryptedKeyCache: { maxAgeMs: 1_000, maxEntries: 2 },
    }).store;
    kms.resetCounts();
    await reader.get(keys[0]!);
    await reader.get(keys[1]!);
    await reader.get(keys[0]!); // hit, and now most recent
    expect(kms.calls.Decrypt).toBe(2);
    await reader.get(keys[2]!); // evicts keys[1]
    await reader.get(keys[0]!);
    expect(kms.calls.Decrypt).toBe(3);
    await reader.get(keys[1]!);
    expect(kms.calls.Decrypt).toBe(4);
    now = 1_000;
    await reader.get(keys[1]!);
    expect(kms.calls.Decrypt).toBe(5);
  });
});

describe("write path: data keys are reused within limits", () => {
  for (const maxMessages of [1_000, 100, 7]) {
    it(`1,000 writes with maxMessages ${maxMessages} cost at most ceil(1000/${maxMessages}) GenerateDataKey`, async () => {
      const { store } = encryptedStore(kms, { dataKeyCache: { maxMessages } });
      for (let i = 0; i < 1_000; i++) await store.set(uniqueKey("w"), secretToken({ access_token: `at-${i}` }));
      expect(kms.calls.GenerateDataKey).toBe(Math.ceil(1_000 / maxMessages));
      expect(store.stats.generateDataKey).toBe(Math.ceil(1_000 / maxMessages));
    });
  }

  it("1,000 concurrent writes share GenerateDataKey calls: ceil(1000/maxMessages)", async () => {
    const { store } = encryptedStore(kms, { dataKeyCache: { maxMessages: 100 } });
    const keys = Array.from({ length: 1_000 }, () => uniqueKey("cw"));
    await Promise.all(keys.map((key, i) => store.set(key, secretToken({ access_token: `at-${i}` }))));
    expect(kms.calls.GenerateDataKey).toBe(10);
    expect((await store.get(keys[999]!))?.access_token).toBe("at-999");
  });

  it("a data key older than maxAgeMs is replaced", async () => {
    let now = 0;
    const { store } = encryptedStore(kms, { now: () => now, dataKeyCache: { maxAgeMs: 60_000 } });
    await store.set(uniqueKey("age"), secretToken());
    now = 59_999;
    await store.set(uniqueKey("age"), secretToken());
    expect(kms.calls.GenerateDataKey).toBe(1);
    now = 60_000;
    await store.set(uniqueKey("age"), secretToken());
    expect(kms.calls.GenerateDataKey).toBe(2);
  });

  it("dataKeyCache: false calls GenerateDataKey on every write", async () => {
    const { store } = encryptedStore(kms, { dataKeyCache: false });
    for (let i = 0; i < 5; i++) await store.set(uniqueKey("nodk"), secretToken());
    expect(kms.calls.GenerateDataKey).toBe(5);
  });

  it("the defaults are 1,000 messages and 5 minutes per data key", async () => {
    let now = 0;
    const { store } = encryptedStore(kms, { now: () => now });
    for (let i = 0; i < 1_001; i++) await store.set(uniqueKey("def"), secretToken());
    expect(kms.calls.GenerateDataKey).toBe(2);
    now = 5 * 60_000;
    await store.set(uniqueKey("def"), secretToken());
    expect(kms.calls.GenerateDataKey).toBe(3);
  });

  it("every write uses a fresh IV, so equal tokens give different ciphertexts", async () => {
    const inner = new InMemoryTokenStore();
    const { store } = encryptedStore(kms, { store: inner });
    await store.set("same", secretToken());
    const first = (await inner.get("same"))?.__kms;
    await store.set("same", secretToken());
    const second = (await inner.get("same"))?.__kms;
    expect(first).not.toBe(second);
    expect(String(first).split(".")[2]).toBe(String(second).split(".")[2]); // one cached data key
  });

  it("the KMS EncryptionContext is fixed per store (purpose + user context), never the storage key", async () => {
    const store = new KmsEncryptedTokenStore({
      kms: kmsClient(kms),
      keyId: "alias/tokens",
      store: new InMemoryTokenStore(),
      encryptionContext: { tenant: "acme" },
    });
    await store.set(uniqueKey("ctx"), secretToken());
    expect(kms.requests[0]?.body.EncryptionContext).toEqual({ "fhir-dsl:purpose": "token-store", tenant: "acme" });
    expect(kms.requests[0]?.body.KeySpec).toBe("AES_256");
  });
});
