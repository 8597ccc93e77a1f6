// aws-sdk-client-mock only for what the local KMS fixture cannot produce: malformed answers and odd SDK errors.
import { DecryptCommand, GenerateDataKeyCommand, KMSClient, KMSServiceException } from "@aws-sdk/client-kms";
import { InMemoryTokenStore, TokenStoreError, TokenStoreErrorCode } from "@fhir-dsl/token-store";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { KmsEncryptedTokenStore } from "../src/index.js";
import { expectNoSecrets, secretToken } from "./helpers.js";

const DATA_KEY = new Uint8Array(32).fill(0x5a);
const DATA_KEY_SECRETS = ["5a".repeat(32), Buffer.from(DATA_KEY).toString("base64")];
// KMS never hands out one encrypted data key twice; a mock that does would let a new store's key lookup (F12) fill its decrypted-key cache
let blobs = 0;
const freshBlob = () => new Uint8Array([9, ++blobs % 256, blobs >> 8]);

function mocked() {
  const client = new KMSClient({ region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  const mock = mockClient(client);
  const inner = new InMemoryTokenStore();
  const newStore = () => new KmsEncryptedTokenStore({ kms: client, keyId: "alias/tokens", store: inner });
  return { mock, inner, store: newStore(), newStore };
}

async function failure(promise: Promise<unknown>): Promise<TokenStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(TokenStoreError.is(error)).toBe(true);
  expectNoSecrets(error, DATA_KEY_SECRETS);
  return error as TokenStoreError;
}

describe("malformed KMS answers and unknown SDK errors (via aws-sdk-client-mock)", () => {
  it("GenerateDataKey without Plaintext: store_key_service, not retryable, nothing written", async () => {
    const { mock, inner, store } = mocked();
    mock.on(GenerateDataKeyCommand).resolves({ CiphertextBlob: new Uint8Array([1, 2, 3]), KeyId: "arn:k" });
    const error = await failure(store.set("k", secretToken()));
    expect([error.code, error.retryable]).toEqual([TokenStoreErrorCode.KeyService, false]);
    expect(inner.size).toBe(0);
  });

  it("GenerateDataKey with a 16-byte data key is refused (AES-256 only), nothing written", async () => {
    const { mock, inner, store } = mocked();
    mock
      .on(GenerateDataKeyCommand)
      .resolves({ Plaintext: new Uint8Array(16), CiphertextBlob: new Uint8Array([1]), KeyId: "arn:k" });
    expect((await failure(store.set("k", secretToken()))).code).toBe(TokenStoreErrorCode.KeyService);
    expect(inner.size).toBe(0);
  });

  it("Decrypt without Plaintext: store_key_service; the data key never appears in errors", async () => {
    const { mock, store, newStore } = mocked();
    mock
      .on(GenerateDataKeyCommand)
      .callsFake(() => ({ Plaintext: DATA_KEY.slice(), CiphertextBlob: freshBlob(), KeyId: "arn:k" }));
    await store.set("k", secretToken());
    mock.on(DecryptCommand).resolves({});
    expect((await failure(newStore().get("k"))).code).toBe(TokenStoreErrorCode.KeyService);
  });

  it("the data key from GenerateDataKey is wiped after import", async () => {
    const { mock, store } = mocked();
    const handedOut: Uint8Array[] = [];
    mock.on(GenerateDataKeyCommand).callsFake(() => {
      const plaintext = DATA_KEY.slice();
      handedOut.push(plaintext);
      return { Plaintext: plaintext, CiphertextBlob: new Uint8Array([7]), KeyId: "arn:k" };
    });
    await store.set("k", secretToken());
    expect(handedOut[0]?.every((b) => b === 0)).toBe(true);
  });

  it("an unknown server-side SDK fault is retryable; an unknown client-side one is not", async () => {
    const { mock, store } = mocked();
    mock
      .on(GenerateDataKeyCommand)
      .rejectsOnce(
        new KMSServiceException({ name: "BrandNewException", $fault: "server", $metadata: { httpStatusCode: 503 } }),
      );
    const server = await failure(store.set("k", secretToken()));
    expect([server.code, server.retryable]).toEqual([TokenStoreErrorCode.KeyService, true]);
    mock.reset();
    mock.on(GenerateDataKeyCommand).rejectsOnce(
      new KMSServiceException({
        name: "BrandNewClientException",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const client = await failure(store.set("k", secretToken()));
    expect([client.code, client.retryable]).toEqual([TokenStoreErrorCode.KeyService, false]);
  });

  it("a client answering undefined (a broken mock or middleware) is a typed error, not a TypeError", async () => {
    const { mock, inner, store, newStore } = mocked();
    mock.on(GenerateDataKeyCommand).resolves(undefined as never);
    expect((await failure(store.set("k", secretToken()))).code).toBe(TokenStoreErrorCode.KeyService);
    expect(inner.size).toBe(0);
    mock.reset();
    mock
      .on(GenerateDataKeyCommand)
      .callsFake(() => ({ Plaintext: DATA_KEY.slice(), CiphertextBlob: freshBlob(), KeyId: "arn:k" }));
    await store.set("k", secretToken());
    mock.on(DecryptCommand).resolves(undefined as never);
    expect((await failure(newStore().get("k"))).code).toBe(TokenStoreErrorCode.KeyService);
  });

  it("only the SDK error's name reaches our message, never its text", async () => {
    const { mock, store } = mocked();
    mock
      .on(GenerateDataKeyCommand)
      .rejects(Object.assign(new Error("upstream said something long"), { name: "AccessDeniedException" }));
    const error = (await store.set("k", secretToken()).catch((e: unknown) => e)) as TokenStoreError;
    expect(error.message).toBe('KMS GenerateDataKey failed for key "k": AccessDeniedException');
    expect(JSON.stringify(error)).not.toContain("upstream");
  });
});
