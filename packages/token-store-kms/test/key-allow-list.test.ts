// SECURITY.md F12: the store decrypts only with the KMS keys it was configured with (keyId, decryptKeyIds,
// rotate), whatever key a stored envelope names. Real @aws-sdk/client-kms against the local KMS endpoint.
import { InMemoryTokenStore, type StoredToken } from "@fhir-dsl/token-store";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { KmsEncryptedTokenStore, TokenStoreError, formatEnvelope, parseEnvelope } from "../src/index.js";
import { startLocalKms, type LocalKms } from "@fhir-dsl/test-kms";
import { encryptedStore, expectNoSecrets, kmsClient, secretToken, uniqueKey } from "./helpers.js";

const RUNS = Math.min(Number(process.env.FUZZ_RUNS ?? 300), 300);
let kms: LocalKms;
let tokensArn: string;
let nextArn: string;

const arnOf = async (keyId: string) => {
  const inner = new InMemoryTokenStore();
  await encryptedStore(kms, { store: inner, keyId }).store.set("probe", secretToken());
  return parseEnvelope((await inner.get("probe"))?.__kms, "probe").keyId;
};

beforeAll(async () => {
  kms = await startLocalKms();
  [tokensArn, nextArn] = [await arnOf("alias/tokens"), await arnOf("alias/tokens-next")];
});
afterAll(() => kms.close());
beforeEach(() => kms.resetCounts());

/** A whole, valid envelope written under `key` by someone whose credentials may use another KMS key. */
async function plant(
  inner: InMemoryTokenStore,
  key: string,
  keyId = "alias/tokens-next",
  token = secretToken({ access_token: "AT-PLANTED-555" }),
) {
  await encryptedStore(kms, { store: inner, keyId }).store.set(key, token);
  kms.resetCounts();
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as TokenStoreError,
  );

describe("decrypt only with configured keys (F12)", () => {
  it("a planted envelope under a second key the app may use is refused: 0 Decrypt (and, with key ARNs configured, 0 KMS calls)", async () => {
    const inner = new InMemoryTokenStore();
    const key = uniqueKey("planted");
    await plant(inner, key);
    for (const store of [
      new KmsEncryptedTokenStore({ kms: kmsClient(kms), keyId: tokensArn, store: inner }),
      new KmsEncryptedTokenStore({ kms: kmsClient(kms), keyId: tokensArn, store: inner, decryptedKeyCache: false }),
    ]) {
      const error = await refusal(store.get(key));
      expect(TokenStoreError.is(error) && error.code).toBe("store_decrypt_failed");
      expect(error!.retryable).toBe(false);
      expect(error!.message).toContain(nextArn);
      expect(error!.message).toContain("decryptKeyIds");
      expectNoSecrets(error, ["AT-PLANTED-555"]);
    }
    expect(kms.calls).toEqual({ GenerateDataKey: 0, Decrypt: 0, Encrypt: 0, DescribeKey: 0, Sign: 0, GetPublicKey: 0 });
  });

  it("configured by alias: one lookup (GenerateDataKey of the write key, DescribeKey of others) resolves the configuration, never the planted key; still 0 Decrypt", async () => {
    const inner = new InMemoryTokenStore();
    const key = uniqueKey("planted-alias");
    await plant(inner, key);
    const store = encryptedStore(kms, { store: inner, keyId: "alias/tokens", decryptKeyIds: ["alias/disabled"] }).store;
    for (let i = 0; i < 5; i++) expect((await refusal(store.get(key)))?.code).toBe("store_decrypt_failed");
    expect(kms.calls.Decrypt).toBe(0);
    expect(kms.requests.map((r) => [r.op, r.body.KeyId]).sort()).toEqual([
      ["DescribeKey", "alias/disabled"],
      ["GenerateDataKey", "alias/tokens"],
    ]);
    expect(store.stats).toMatchObject({ describeKey: 1, generateDataKey: 1, decrypt: 0 });
  });

  it("any key name in a planted envelope that is not configured is refused before Decrypt (generated names)", async () => {
    const inner = new InMemoryTokenStore();
    const store = new KmsEncryptedTokenStore({
      kms: kmsClient(kms),
      keyId: tokensArn,
      decryptKeyIds: ["alias/tokens-next"],
      store: inner,
    });
    const baseKey = uniqueKey("base");
    await plant(inner, baseKey, "alias/tokens");
    const base = parseEnvelope((await inner.get(baseKey))?.__kms, baseKey);
    const id = tokensArn.split("/")[1]!;
    const names = fc.oneof(
      fc.constantFrom(
        tokensArn.replace("111122223333", "444455556666"), // same key id, another account
        tokensArn.replace("us-east-1", "eu-west-1"), // same key id, another region
        id, // bare key id of the configured key (not configured as such)
        "alias/tokens", // the configured key's alias, not configured as such
        "arn:aws:kms:us-east-1:111122223333:alias/tokens-next-2",
        `${tokensArn} `,
        tokensArn.toUpperCase(),
      ),
      fc.string({ minLength: 1, maxLength: 80 }),
      fc.uuid().map((u) => `arn:aws:kms:us-east-1:111122223333:key/${u}`),
    );
    let planted = 0;
    await fc.assert(
      fc.asyncProperty(names, async (name) => {
        fc.pre(name !== tokensArn && name !== "alias/tokens-next" && name !== nextArn);
        const key = uniqueKey("gen");
        await inner.set(key, {
          access_token: "<redacted>",
          token_type: "kms-envelope",
          __kms: formatEnvelope({ ...base, keyId: name }),
        } as StoredToken);
        const error = await refusal(store.get(key));
        expect(error?.code).toBe("store_decrypt_failed");
        expectNoSecrets(error);
        // stored text that does not look like a key name is never echoed into the error
        if (name.length >= 8 && !/^[A-Za-z0-9:/_.-]+$/.test(name)) expect(error!.message).not.toContain(name);
        planted++;
      }),
      { numRuns: RUNS },
    );
    expect(planted).toBeGreaterThan(RUNS / 2);
    // resolving "alias/tokens-next" is the only KMS call the whole run made
    expect(kms.calls.Decrypt).toBe(0);
    expect(kms.requests.every((r) => r.op === "DescribeKey" && r.body.KeyId === "alias/tokens-next")).toBe(true);
  });

  it("Decrypt names the allowed key, so KMS itself refuses a data key wrapped by another key (IncorrectKeyException)", async () => {
    const inner = new InMemoryTokenStore();
    const key = uniqueKey("relabelled");
    await plant(inner, key);
    const stored = (await inner.get(key)) as StoredToken;
    // the planted envelope claims the configured key, but its data key is wrapped by tokens-next
    await inner.set(key, {
      ...stored,
      __kms: formatEnvelope({ ...parseEnvelope(stored.__kms, key), keyId: tokensArn }),
    });
    const store = new KmsEncryptedTokenStore({ kms: kmsClient(kms), keyId: tokensArn, store: inner });
    const error = await refusal(store.get(key));
    expect(error?.code).toBe("store_decrypt_failed");
    expect(error?.message).toContain("IncorrectKeyException");
    expect(kms.requests.map((r) => [r.op, r.body.KeyId])).toEqual([["Decrypt", tokensArn]]);
  });
});

describe("rotation still reads old records (F12)", () => {
  it("decryptKeyIds as a key ARN (no lookup), a key id, an alias or an alias ARN: old records read", async () => {
    const inner = new InMemoryTokenStore();
    const key = uniqueKey("old");
    await encryptedStore(kms, { store: inner, keyId: "alias/tokens" }).store.set(
      key,
      secretToken({ access_token: "old-record" }),
    );
    const id = tokensArn.split("/")[1]!;
    const aliasArn = "arn:aws:kms:us-east-1:111122223333:alias/tokens";
    for (const previous of [tokensArn, id, "alias/tokens", aliasArn]) {
      kms.resetCounts();
      const store = encryptedStore(kms, { store: inner, keyId: nextArn, decryptKeyIds: [previous] }).store;
      expect((await store.get(key))?.access_token).toBe("old-record");
      expect(kms.calls.DescribeKey).toBe(previous === tokensArn ? 0 : 1);
      expect(kms.calls.Decrypt).toBe(1);
    }
  });

  it("rotate() keeps the keys it rotated from; a fresh instance reads old and new with decryptKeyIds", async () => {
    const inner = new InMemoryTokenStore();
    const store = encryptedStore(kms, { store: inner, keyId: tokensArn }).store;
    await store.set("a", secretToken({ access_token: "under-first" }));
    store.rotate(nextArn);
    await store.set("b", secretToken({ access_token: "under-next" }));
    expect((await store.get("a"))?.access_token).toBe("under-first");
    const fresh = encryptedStore(kms, { store: inner, keyId: nextArn, decryptKeyIds: [tokensArn] }).store;
    expect([(await fresh.get("a"))?.access_token, (await fresh.get("b"))?.access_token]).toEqual([
      "under-first",
      "under-next",
    ]);
    expect((await refusal(encryptedStore(kms, { store: inner, keyId: nextArn }).store.get("a")))?.code).toBe(
      "store_decrypt_failed",
    );
  });

  it("a long-lived reader follows its alias to a new key (looked up again at most once a minute), and keeps the old one", async () => {
    const local = await startLocalKms();
    try {
      const firstArn = local.createKey({ alias: "alias/app" });
      let clock = 1_000_000;
      const inner = new InMemoryTokenStore();
      const reader = new KmsEncryptedTokenStore({
        kms: kmsClient(local),
        keyId: "alias/app",
        store: inner,
        now: () => clock,
      });
      await new KmsEncryptedTokenStore({ kms: kmsClient(local), keyId: "alias/app", store: inner }).set(
        "old",
        secretToken({ access_token: "old" }),
      );
      expect((await reader.get("old"))?.access_token).toBe("old");
      local.setAlias("alias/app", local.createKey());
      await new KmsEncryptedTokenStore({ kms: kmsClient(local), keyId: "alias/app", store: inner }).set(
        "new",
        secretToken({ access_token: "new" }),
      );
      local.resetCounts();
      expect((await refusal(reader.get("new")))?.code).toBe("store_decrypt_failed");
      expect(local.calls).toMatchObject({ Decrypt: 0, DescribeKey: 0, GenerateDataKey: 0 });
      clock += 60_000;
      expect((await reader.get("new"))?.access_token).toBe("new");
      expect((await reader.get("old"))?.access_token).toBe("old");
      expect(local.calls).toMatchObject({ Decrypt: 1, DescribeKey: 0, GenerateDataKey: 1 });
      expect(parseEnvelope((await inner.get("old"))?.__kms, "old").keyId).toBe(firstArn);
    } finally {
      await local.close();
    }
  });

  it("a failed lookup is a retryable store_key_service error with no Decrypt, and is retried on the next read", async () => {
    const inner = new InMemoryTokenStore();
    const key = uniqueKey("lookup");
    await plant(inner, key, "alias/tokens", secretToken());
    const store = encryptedStore(kms, {
      store: inner,
      keyId: nextArn,
      decryptKeyIds: ["alias/tokens"],
      kms: kmsClient(kms, { maxAttempts: 1 }),
    }).store;
    kms.failNext("DescribeKey", "ThrottlingException");
    const error = await refusal(store.get(key));
    expect([error?.code, error?.retryable]).toEqual(["store_key_service", true]);
    expect(error?.message).toContain("DescribeKey");
    expect(kms.calls.Decrypt).toBe(0);
    expect((await store.get(key))?.access_token).toBe("AT-SECRET-0123456789");
    expect(kms.calls).toMatchObject({ DescribeKey: 2, Decrypt: 1 });
  });

  it("misuse: decryptKeyIds that is not an array of key names is a TypeError", () => {
    const make = (decryptKeyIds: unknown) =>
      new KmsEncryptedTokenStore({
        kms: kmsClient(kms),
        keyId: "alias/tokens",
        store: new InMemoryTokenStore(),
        decryptKeyIds: decryptKeyIds as string[],
      });
    expect(() => make("alias/old")).toThrow(/decryptKeyIds/);
    expect(() => make([""])).toThrow(TypeError);
    expect(() => make([42])).toThrow(TypeError);
  });
});
