import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startLocalKms, type LocalKms } from "@fhir-dsl/test-kms";
import { kmsClient } from "./helpers.js";

let kms: LocalKms;
beforeAll(async () => {
  kms = await startLocalKms();
});
afterAll(() => kms.close());
beforeEach(() => kms.resetCounts());

const post = (target: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${kms.endpoint}/`, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `TrentService.${target}`, ...headers },
    body: JSON.stringify(body),
  });

describe("the local KMS fixture is a faithful enough KMS", () => {
  it("refuses an unsigned request (no SigV4 Authorization) and does not count it", async () => {
    const response = await post("GenerateDataKey", { KeyId: "alias/tokens", KeySpec: "AES_256" });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { __type: string }).__type).toBe("MissingAuthenticationTokenException");
    expect(kms.unsignedRefused).toBe(1);
    expect(kms.calls.GenerateDataKey).toBe(0);
  });

  it("refuses a forged Authorization header and a request signed with the wrong secret", async () => {
    const forged = await post(
      "Decrypt",
      {},
      {
        authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`,
        "x-amz-date": "20250101T000000Z",
      },
    );
    expect(forged.status).toBe(403);
    const wrong = kmsClient(kms, {
      credentials: { accessKeyId: "test", secretAccessKey: "not-the-secret" },
      maxAttempts: 1,
    });
    await expect(
      wrong.send(new GenerateDataKeyCommand({ KeyId: "alias/tokens", KeySpec: "AES_256" })),
    ).rejects.toMatchObject({ name: "InvalidSignatureException" });
    expect(kms.unsignedRefused).toBe(2);
  });

  it("accepts the real KMSClient, counts calls, and enforces EncryptionContext equality on Decrypt", async () => {
    const client = kmsClient(kms, { maxAttempts: 1 });
    const generated = await client.send(
      new GenerateDataKeyCommand({ KeyId: "alias/tokens", KeySpec: "AES_256", EncryptionContext: { a: "1" } }),
    );
    expect(generated.Plaintext).toHaveLength(32);
    expect(generated.KeyId).toMatch(/^arn:aws:kms:us-east-1:\d+:key\//);
    const opened = await client.send(
      new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: { a: "1" } }),
    );
    expect(opened.Plaintext).toEqual(generated.Plaintext);
    await expect(
      client.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: { a: "2" } })),
    ).rejects.toMatchObject({
      name: "InvalidCiphertextException",
    });
    await expect(
      client.send(
        new DecryptCommand({
          CiphertextBlob: generated.CiphertextBlob,
          KeyId: "alias/tokens-next",
          EncryptionContext: { a: "1" },
        }),
      ),
    ).rejects.toMatchObject({
      name: "IncorrectKeyException",
    });
    const encrypted = await client.send(
      new EncryptCommand({ KeyId: "alias/tokens", Plaintext: new Uint8Array([1, 2, 3]) }),
    );
    const decrypted = await client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }));
    expect(Array.from(decrypted.Plaintext ?? [])).toEqual([1, 2, 3]);
    expect(kms.calls).toEqual({ GenerateDataKey: 1, Decrypt: 4, Encrypt: 1, DescribeKey: 0, Sign: 0, GetPublicKey: 0 });
    expect(kms.unsignedRefused).toBe(0);
  });

  it("injects faults for the next N calls of one operation only", async () => {
    const client = kmsClient(kms, { maxAttempts: 1 });
    kms.failNext("GenerateDataKey", "ThrottlingException", 2);
    const generate = () => client.send(new GenerateDataKeyCommand({ KeyId: "alias/tokens", KeySpec: "AES_256" }));
    await expect(generate()).rejects.toMatchObject({ name: "ThrottlingException" });
    await expect(generate()).rejects.toMatchObject({ name: "ThrottlingException" });
    await expect(generate()).resolves.toMatchObject({ KeyId: expect.any(String) });
  });
});
