import { InMemoryTokenStore, TokenStoreError, TokenStoreErrorCode, type StoredToken } from "@fhir-dsl/token-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsEncryptedTokenStore, parseEnvelope, formatEnvelope } from "../src/index.js";
import { startLocalKms, type LocalKms } from "@fhir-dsl/test-kms";
import { encryptedStore, kmsClient, secretToken, SECRETS, uniqueKey } from "./helpers.js";

let kms: LocalKms;
beforeAll(async () => {
  kms = await startLocalKms();
});
afterAll(() => kms.close());

async function refusal(promise: Promise<unknown>): Promise<TokenStoreError> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected a refusal, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  expect(TokenStoreError.is(error)).toBe(true);
  return error as TokenStoreError;
}

/** Read through a cold instance too, so the refusal does not depend on the key cache. */
async function refusals(
  inner: InMemoryTokenStore,
  warm: KmsEncryptedTokenStore,
  key: string,
): Promise<TokenStoreError[]> {
  const cold = encryptedStore(kms, { store: inner }).store;
  return [await refusal(warm.get(key)), await refusal(cold.get(key))];
}

describe("moved and tampered ciphertexts are refused (AAD binds the storage key)", () => {
  it("a value copied to another key fails with store_decrypt_failed", async () => {
    const inner = new InMemoryTokenStore();
    const { store } = encryptedStore(kms, { store: inner });
    const from = uniqueKey("from");
    const to = uniqueKey("to");
    await store.set(from, secretToken());
    await inner.set(to, (await inner.get(from)) as StoredToken);
    for (const error of await refusals(inner, store, to)) {
      expect(error.code).toBe(TokenStoreErrorCode.DecryptFailed);
      expect(error.key).toBe(to);
      expect(error.retryable).toBe(false);
    }
    expect((await store.get(from))?.access_token).toBe("AT-SECRET-0123456789");
  });

  it("swapping two keys' values is refused both ways", async () => {
    const inner = new InMemoryTokenStore();
    const { store } = encryptedStore(kms, { store: inner });
    const [a, b] = [uniqueKey("a"), uniqueKey("b")];
    await store.set(a, secretToken({ access_token: "token-a" }));
    await store.set(b, secretToken({ access_token: "token-b" }));
    const [va, vb] = [await inner.get(a), await inner.get(b)];
    await inner.set(a, vb as StoredToken);
    await inner.set(b, va as StoredToken);
    expect((await refusal(store.get(a))).code).toBe(TokenStoreErrorCode.DecryptFailed);
    expect((await refusal(store.get(b))).code).toBe(TokenStoreErrorCode.DecryptFailed);
  });

  const otherKeyArn = async (): Promise<string> => {
    const inner = new InMemoryTokenStore();
    await encryptedStore(kms, { store: inner, keyId: "alias/tokens-next" }).store.set("probe", secretToken());
    return parseEnvelope((await inner.get("probe"))?.__kms, "probe").keyId;
  };

  it("an envelope naming a key that does not exist is a typed error and yields no token, before any Decrypt (F12)", async () => {
    const inner = new InMemoryTokenStore();
    const { store } = encryptedStore(kms, { store: inner });
    const key = uniqueKey("nokey");
    await store.set(key, secretToken());
    const stored = (await inner.get(key)) as StoredToken;
    const envelope = parseEnvelope(stored.__kms, key);
    await inner.set(key, {
      ...stored,
      __kms: formatEnvelope({ ...envelope, keyId: "arn:aws:kms:us-east-1:111122223333:key/missing" }),
    });
    const [warm, cold] = await refusals(inner, store, key);
    expect(warm?.code).toBe(TokenStoreErrorCode.DecryptFailed);
    expect(cold?.code).toBe(TokenStoreErrorCode.DecryptFailed);
    expect(cold?.retryable).toBe(false);
    expect(
      kms.requests.filter(
        (r) => r.op === "Decrypt" && r.body.KeyId === "arn:aws:kms:us-east-1:111122223333:key/missing",
      ),
    ).toEqual([]);
  });

  const fields = ["keyId", "encryptedDataKey", "iv", "ciphertext"] as const;
  for (const field of fields) {
    it(`a flipped bit in the envelope's ${field} fails with store_decrypt_failed`, async () => {
      const inner = new InMemoryTokenStore();
      const { store } = encryptedStore(kms, { store: inner });
      const key = uniqueKey(`flip-${field}`);
      await store.set(key, secretToken());
      const stored = (await inner.get(key)) as StoredToken;
      const envelope = parseEnvelope(stored.__kms, key);
      if (field === "keyId") {
        envelope.keyId = await otherKeyArn();
      } else {
        const bytes = envelope[field];
        bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0x01;
      }
      await inner.set(key, { ...stored, __kms: formatEnvelope(envelope) });
      for (const error of await refusals(inner, store, key)) expect(error.code).toBe(TokenStoreErrorCode.DecryptFailed);
    });
  }

  it("a truncated ciphertext fails with store_decrypt_failed", async () => {
    const inner = new InMemoryTokenStore();
    const { store } = encryptedStore(kms, { store: inner });
    const key = uniqueKey("trunc");
    await store.set(key, secretToken());
    const stored = (await inner.get(key)) as StoredToken;
    await inner.set(key, { ...stored, __kms: String(stored.__kms).slice(0, -10) });
    expect((await refusal(store.get(key))).code).toBe(TokenStoreErrorCode.DecryptFailed);
  });

  it("an envelope of another format version, or a plaintext token, is store_corrupt_value", async () => {
    const inner = new InMemoryTokenStore();
    const { store } = encryptedStore(kms, { store: inner });
    const key = uniqueKey("version");
    await store.set(key, secretToken());
    const stored = (await inner.get(key)) as StoredToken;
    await inner.set(key, { ...stored, __kms: String(stored.__kms).replace(/^kms1\./, "kms2.") });
    expect((await refusal(store.get(key))).code).toBe(TokenStoreErrorCode.CorruptValue);
    await inner.set(key, secretToken());
    const plain = await refusal(store.get(key));
    expect(plain.code).toBe(TokenStoreErrorCode.CorruptValue);
    expect(JSON.stringify(plain) + plain.message + String(plain.stack)).not.toContain(SECRETS[0]);
  });

  it("a value written under another encryption context is refused by KMS (store_decrypt_failed)", async () => {
    const inner = new InMemoryTokenStore();
    const key = uniqueKey("ctx");
    const make = (tenant: string) =>
      new KmsEncryptedTokenStore({
        kms: kmsClient(kms),
        keyId: "alias/tokens",
        store: inner,
        encryptionContext: { tenant },
      });
    await make("a").set(key, secretToken());
    const error = await refusal(make("b").get(key));
    expect(error.code).toBe(TokenStoreErrorCode.DecryptFailed);
    expect(error.retryable).toBe(false);
  });

  it("the fixture's data-key blob swapped in from another value fails authentication", async () => {
    const inner = new InMemoryTokenStore();
    const a = encryptedStore(kms, { store: inner, dataKeyCache: false }).store;
    const [k1, k2] = [uniqueKey("edk1"), uniqueKey("edk2")];
    await a.set(k1, secretToken());
    await a.set(k2, secretToken());
    const e1 = parseEnvelope((await inner.get(k1))?.__kms, k1);
    const e2 = parseEnvelope((await inner.get(k2))?.__kms, k2);
    await inner.set(k2, {
      ...((await inner.get(k2)) as StoredToken),
      __kms: formatEnvelope({ ...e2, encryptedDataKey: e1.encryptedDataKey }),
    });
    for (const error of await refusals(inner, a, k2)) expect(error.code).toBe(TokenStoreErrorCode.DecryptFailed);
  });
});
