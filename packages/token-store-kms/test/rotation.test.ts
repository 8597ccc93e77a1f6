import { InMemoryTokenStore } from "@fhir-dsl/token-store";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { KmsEncryptedTokenStore, parseEnvelope } from "../src/index.js";
import { startLocalKms, type LocalKms } from "@fhir-dsl/test-kms";
import { encryptedStore, kmsClient, secretToken, uniqueKey } from "./helpers.js";

let kms: LocalKms;
beforeAll(async () => {
  kms = await startLocalKms();
});
afterAll(() => kms.close());
beforeEach(() => kms.resetCounts());

describe("key rotation: new writes use the new key, old values still read", () => {
  it("rotate(keyId) switches new writes; values under the old key still read", async () => {
    const inner = new InMemoryTokenStore();
    const { store } = encryptedStore(kms, { store: inner });
    const [before, after] = [uniqueKey("before"), uniqueKey("after")];
    await store.set(before, secretToken({ access_token: "old-key" }));
    store.rotate("alias/tokens-next");
    expect(store.keyId).toBe("alias/tokens-next");
    await store.set(after, secretToken({ access_token: "new-key" }));
    const oldArn = parseEnvelope((await inner.get(before))?.__kms, before).keyId;
    const newArn = parseEnvelope((await inner.get(after))?.__kms, after).keyId;
    expect(oldArn).not.toBe(newArn);
    expect(kms.requests.filter((r) => r.op === "GenerateDataKey").map((r) => r.body.KeyId)).toEqual([
      "alias/tokens",
      "alias/tokens-next",
    ]);
    // the instance that rotated still reads both; a new one lists the key it rotated from (F12)
    expect((await store.get(before))?.access_token).toBe("old-key");
    const cold = encryptedStore(kms, {
      store: inner,
      keyId: "alias/tokens-next",
      decryptKeyIds: ["alias/tokens"],
    }).store;
    expect((await cold.get(before))?.access_token).toBe("old-key");
    expect((await cold.get(after))?.access_token).toBe("new-key");
    // Decrypt names the ARN recorded in the envelope.
    expect(
      kms.requests
        .filter((r) => r.op === "Decrypt")
        .map((r) => r.body.KeyId)
        .sort(),
    ).toEqual([newArn, oldArn].sort());
  });

  it("a new instance with a new keyId reads values of the old one listed in decryptKeyIds, and only then (F12)", async () => {
    const inner = new InMemoryTokenStore();
    const key = uniqueKey("instance");
    await encryptedStore(kms, { store: inner, keyId: "alias/tokens" }).store.set(key, secretToken());
    const rotated = encryptedStore(kms, {
      store: inner,
      keyId: "alias/tokens-next",
      decryptKeyIds: ["alias/tokens"],
    }).store;
    expect((await rotated.get(key))?.refresh_token).toBe("RT-SECRET-9876543210");
    kms.resetCounts();
    const unlisted = encryptedStore(kms, { store: inner, keyId: "alias/tokens-next" }).store;
    await expect(unlisted.get(key)).rejects.toMatchObject({
      code: "store_decrypt_failed",
      message: expect.stringContaining("decryptKeyIds"),
    });
    expect(kms.calls.Decrypt).toBe(0);
  });

  it("an alias retargeted to a new key: old values still read (the envelope holds the key ARN; a new process lists it in decryptKeyIds)", async () => {
    const local = await startLocalKms();
    try {
      const firstArn = local.createKey({ alias: "alias/app" });
      const inner = new InMemoryTokenStore();
      const key = uniqueKey("alias");
      const writer = new KmsEncryptedTokenStore({ kms: kmsClient(local), keyId: "alias/app", store: inner });
      await writer.set(key, secretToken());
      expect(parseEnvelope((await inner.get(key))?.__kms, key).keyId).toBe(firstArn);
      const secondArn = local.createKey();
      local.setAlias("alias/app", secondArn);
      // the writer learnt the old ARN when it wrote: it still reads its values
      expect((await writer.get(key))?.access_token).toBe("AT-SECRET-0123456789");
      const unlisted = new KmsEncryptedTokenStore({ kms: kmsClient(local), keyId: "alias/app", store: inner });
      await expect(unlisted.get(key)).rejects.toMatchObject({ code: "store_decrypt_failed" });
      const reader = new KmsEncryptedTokenStore({
        kms: kmsClient(local),
        keyId: "alias/app",
        decryptKeyIds: [firstArn],
        store: inner,
      });
      expect((await reader.get(key))?.access_token).toBe("AT-SECRET-0123456789");
      const key2 = uniqueKey("alias2");
      await reader.set(key2, secretToken());
      expect(parseEnvelope((await inner.get(key2))?.__kms, key2).keyId).toBe(secondArn);
    } finally {
      await local.close();
    }
  });

  it("rotate() refuses a missing keyId with a TypeError", () => {
    const store = new KmsEncryptedTokenStore({
      kms: kmsClient(kms),
      keyId: "alias/tokens",
      store: new InMemoryTokenStore(),
    });
    expect(() => store.rotate("")).toThrow(TypeError);
    expect(() => store.rotate(undefined as unknown as string)).toThrow(/keyId/);
  });
});
