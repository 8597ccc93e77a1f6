import { InMemoryTokenStore, TokenStoreError, TokenStoreErrorCode } from "@fhir-dsl/token-store";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { KmsEncryptedTokenStore } from "../src/index.js";
import { startLocalKms, type KmsFaultName, type KmsOperation, type LocalKms } from "@fhir-dsl/test-kms";
import { encryptedStore, expectNoSecrets, kmsClient, secretToken, SECRETS, uniqueKey } from "./helpers.js";

let kms: LocalKms;
beforeAll(async () => {
  kms = await startLocalKms();
});
afterAll(() => kms.close());
beforeEach(() => kms.resetCounts());

async function failure(promise: Promise<unknown>): Promise<TokenStoreError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => e,
  );
  expect(TokenStoreError.is(error)).toBe(true);
  expectNoSecrets(error);
  return error as TokenStoreError;
}

/** A store whose client makes a single attempt, so an injected fault is not retried away. */
function singleAttempt(inner = new InMemoryTokenStore(), keyId = "alias/tokens", extra = {}): KmsEncryptedTokenStore {
  return new KmsEncryptedTokenStore({ kms: kmsClient(kms, { maxAttempts: 1 }), keyId, store: inner, ...extra });
}

const CASES: { name: KmsFaultName; retryable: boolean }[] = [
  { name: "ThrottlingException", retryable: true },
  { name: "KMSInternalException", retryable: true },
  { name: "DependencyTimeoutException", retryable: true },
  { name: "AccessDeniedException", retryable: false },
  { name: "DisabledException", retryable: false },
  { name: "NotFoundException", retryable: false },
  { name: "KMSInvalidStateException", retryable: false },
];

describe("KMS failures on write become store_key_service, and nothing is written", () => {
  for (const { name, retryable } of CASES) {
    it(`GenerateDataKey ${name}: retryable=${retryable}, the previous value is kept`, async () => {
      const inner = new InMemoryTokenStore();
      const key = uniqueKey(`w-${name}`);
      await singleAttempt(inner).set(key, secretToken({ access_token: "previous" }));
      const store = singleAttempt(inner);
      kms.failNext("GenerateDataKey", name);
      const error = await failure(store.set(key, secretToken()));
      expect(error.code).toBe(TokenStoreErrorCode.KeyService);
      expect(error.retryable).toBe(retryable);
      expect(error.key).toBe(key);
      expect(error.message).toContain(name);
      expect((error.cause as Error).name).toBe(name);
      expect((await store.get(key))?.access_token).toBe("previous");
      // The failure is not cached: the next write succeeds.
      await store.set(key, secretToken());
      expect((await store.get(key))?.access_token).toBe(SECRETS[0]);
    });
  }

  it("a disabled key and a missing key, as KMS really answers them", async () => {
    const inner = new InMemoryTokenStore();
    const disabled = await failure(singleAttempt(inner, "alias/disabled").set("k", secretToken()));
    expect([disabled.code, disabled.retryable, (disabled.cause as Error).name]).toEqual([
      TokenStoreErrorCode.KeyService,
      false,
      "DisabledException",
    ]);
    const missing = await failure(singleAttempt(inner, "alias/missing").set("k", secretToken()));
    expect([missing.code, missing.retryable, (missing.cause as Error).name]).toEqual([
      TokenStoreErrorCode.KeyService,
      false,
      "NotFoundException",
    ]);
    expect(inner.size).toBe(0);
  });

  it("concurrent writers sharing one failed GenerateDataKey each get an error naming their own key", async () => {
    const inner = new InMemoryTokenStore();
    const store = singleAttempt(inner);
    kms.failNext("GenerateDataKey", "ThrottlingException");
    const keys = [uniqueKey("c1"), uniqueKey("c2"), uniqueKey("c3")];
    const errors = await Promise.all(keys.map((key) => failure(store.set(key, secretToken()))));
    expect(errors.map((e) => e.key)).toEqual(keys);
    expect(kms.calls.GenerateDataKey).toBe(1);
    expect(inner.size).toBe(0);
  });

  it("the SDK's own retries absorb a single throttle when maxAttempts allows", async () => {
    const { store } = encryptedStore(kms, { kms: kmsClient(kms, { maxAttempts: 3, retryStrategy: undefined }) });
    kms.failNext("GenerateDataKey", "ThrottlingException");
    await store.set(uniqueKey("retry"), secretToken());
    expect(kms.calls.GenerateDataKey).toBe(2);
  });
});

describe("KMS failures on read", () => {
  const readCase = async (name: KmsFaultName, op: KmsOperation = "Decrypt") => {
    const inner = new InMemoryTokenStore();
    const key = uniqueKey(`r-${name}`);
    await singleAttempt(inner).set(key, secretToken());
    kms.failNext(op, name);
    return failure(singleAttempt(inner).get(key));
  };

  for (const { name, retryable } of CASES) {
    it(`Decrypt ${name}: store_key_service, retryable=${retryable}`, async () => {
      const error = await readCase(name);
      expect([error.code, error.retryable]).toEqual([TokenStoreErrorCode.KeyService, retryable]);
    });
  }

  it("Decrypt InvalidCiphertextException: store_decrypt_failed, not retryable", async () => {
    const error = await readCase("InvalidCiphertextException");
    expect([error.code, error.retryable]).toEqual([TokenStoreErrorCode.DecryptFailed, false]);
  });

  it("a key disabled after the write: reads fail with DisabledException, not retryable", async () => {
    const local = await startLocalKms();
    try {
      const arn = local.createKey({ alias: "alias/soon-disabled" });
      const inner = new InMemoryTokenStore();
      const key = uniqueKey("disable");
      await new KmsEncryptedTokenStore({ kms: kmsClient(local), keyId: arn, store: inner }).set(key, secretToken());
      local.setEnabled(arn, false);
      const error = await failure(
        new KmsEncryptedTokenStore({ kms: kmsClient(local, { maxAttempts: 1 }), keyId: arn, store: inner }).get(key),
      );
      expect([error.code, error.retryable, (error.cause as Error).name]).toEqual([
        TokenStoreErrorCode.KeyService,
        false,
        "DisabledException",
      ]);
    } finally {
      await local.close();
    }
  });

  it("a failed Decrypt is not cached: the next read succeeds", async () => {
    const inner = new InMemoryTokenStore();
    const key = uniqueKey("recover");
    await singleAttempt(inner).set(key, secretToken());
    const reader = singleAttempt(inner);
    kms.failNext("Decrypt", "ThrottlingException");
    await failure(reader.get(key));
    expect((await reader.get(key))?.access_token).toBe(SECRETS[0]);
  });
});

describe("timeouts and network failures are retryable store_key_service", () => {
  it("timeoutMs aborts a slow GenerateDataKey; nothing is written", async () => {
    const inner = new InMemoryTokenStore();
    const store = singleAttempt(inner, "alias/tokens", { timeoutMs: 100 });
    kms.delayNext("GenerateDataKey", 1_000);
    const started = Date.now();
    const error = await failure(store.set("slow", secretToken()));
    expect(Date.now() - started).toBeLessThan(900);
    expect([error.code, error.retryable]).toEqual([TokenStoreErrorCode.KeyService, true]);
    expect(error.message).toContain("TimeoutError");
    expect(inner.size).toBe(0);
  });

  it("timeoutMs aborts a slow Decrypt", async () => {
    const inner = new InMemoryTokenStore();
    await singleAttempt(inner).set("slow-read", secretToken());
    kms.delayNext("Decrypt", 1_000);
    const error = await failure(singleAttempt(inner, "alias/tokens", { timeoutMs: 100 }).get("slow-read"));
    expect([error.code, error.retryable]).toEqual([TokenStoreErrorCode.KeyService, true]);
  });

  it("the client's own requestTimeout (throwOnRequestTimeout) is retryable too", async () => {
    const client = kmsClient(kms, {
      maxAttempts: 1,
      requestHandler: { requestTimeout: 100, throwOnRequestTimeout: true } as never,
    });
    const store = new KmsEncryptedTokenStore({ kms: client, keyId: "alias/tokens", store: new InMemoryTokenStore() });
    kms.delayNext("GenerateDataKey", 1_000);
    const error = await failure(store.set("slow", secretToken()));
    expect([error.code, error.retryable, (error.cause as Error).name]).toEqual([
      TokenStoreErrorCode.KeyService,
      true,
      "TimeoutError",
    ]);
  });

  it("a refused connection (KMS unreachable) is retryable", async () => {
    const closed = await startLocalKms();
    const endpoint = closed.endpoint;
    await closed.close();
    const inner = new InMemoryTokenStore();
    const store = new KmsEncryptedTokenStore({
      kms: kmsClient(kms, { endpoint, maxAttempts: 1 }),
      keyId: "alias/tokens",
      store: inner,
    });
    const error = await failure(store.set("offline", secretToken()));
    expect([error.code, error.retryable]).toEqual([TokenStoreErrorCode.KeyService, true]);
    expect(error.message).toContain("ECONNREFUSED");
    expect(inner.size).toBe(0);
  });
});

describe("errors never carry secrets", () => {
  it("a wrapped-store failure propagates unchanged, after encryption, without the token", async () => {
    const failing = new InMemoryTokenStore();
    failing.set = async (key) => {
      throw new TokenStoreError(`backend down for "${key}"`, { code: TokenStoreErrorCode.Unavailable, key });
    };
    const store = new KmsEncryptedTokenStore({ kms: kmsClient(kms), keyId: "alias/tokens", store: failing });
    const error = await failure(store.set("down", secretToken()));
    expect(error.code).toBe(TokenStoreErrorCode.Unavailable);
  });

  it("an invalid value is store_invalid_value with no KMS call and nothing written", async () => {
    const inner = new InMemoryTokenStore();
    const store = singleAttempt(inner);
    for (const bad of [
      null,
      "AT-SECRET-0123456789",
      [secretToken()],
      { token_type: "Bearer", refresh_token: SECRETS[1] },
      { access_token: "x", token_type: "Bearer", big: 1n },
    ]) {
      const error = await failure(store.set("bad", bad as never));
      expect(error.code).toBe(TokenStoreErrorCode.InvalidValue);
    }
    expect(kms.calls.GenerateDataKey).toBe(0);
    expect(inner.size).toBe(0);
  });
});
