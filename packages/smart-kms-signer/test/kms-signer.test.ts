/**
 * Issue 18: the KMS signer through the real @aws-sdk/client-kms against the local KMS endpoint (real
 * keys, real DER ECDSA): ES384 and RS384, the public JWK/JWKS and its RFC 7638 kid, key specs refused,
 * one Sign per signature, typed retryable errors without key material.
 */
import { inspect } from "node:util";
import { KMSClient } from "@aws-sdk/client-kms";
import { calculateJwkThumbprint, compactVerify, importJWK } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import type { AssertionSigner } from "@fhir-dsl/smart";
import {
  createKmsSigner,
  getKmsJwks,
  getKmsPublicKey,
  KmsSigner,
  KmsSignerError,
  KmsSignerErrorCode,
} from "../src/index.js";
import { startSigningKms } from "./helpers.js";

let env: Awaited<ReturnType<typeof startSigningKms>>;
beforeAll(async () => {
  env = await startSigningKms();
  env.kms.setEnabled(env.keys.disabled, false);
});
afterAll(async () => {
  env.client.destroy();
  await env.kms.close();
});
beforeEach(() => {
  env.kms.resetCounts();
  env.kms.signing.tamperSignature = undefined;
});

const input = (text: string) => new TextEncoder().encode(text);
const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/** A JWS over `payload` signed by `signer`, verified with its published JWK. */
async function signAndVerify(signer: KmsSigner, payload: string) {
  const signingInput = `${b64u(input(JSON.stringify({ alg: signer.alg, kid: signer.kid })))}.${b64u(input(payload))}`;
  const signature = await signer.sign(input(signingInput));
  const jws = `${signingInput}.${b64u(signature)}`;
  const { payload: verified } = await compactVerify(jws, await importJWK(signer.publicJwk, signer.alg));
  expect(new TextDecoder().decode(verified)).toBe(payload);
  return signature;
}

describe("KMS signer against the local KMS endpoint (issue 18)", () => {
  it("ES384 with an ECC_NIST_P384 key: 96-byte r||s converted from KMS's DER, verifies with the public JWK; one Sign per signature", async () => {
    const signer = await createKmsSigner({ kms: env.client, keyId: "alias/smart-es384", alg: "ES384" });
    expect(env.kms.calls.GetPublicKey).toBe(1);
    for (let i = 0; i < 20; i++) expect(await signAndVerify(signer, `payload ${i}`)).toHaveLength(96);
    expect(env.kms.calls.Sign).toBe(20);
    // what KMS sent was DER (0x30 ...), not r||s
    expect(
      env.kms.signing.signatures.slice(-20).every((der) => der[0] === 0x30 && der.length >= 8 && der.length <= 104),
    ).toBe(true);
    const sent = env.kms.requests.filter((r) => r.op === "Sign").at(-1)!.body;
    expect(sent).toMatchObject({ KeyId: env.keys.p384, MessageType: "RAW", SigningAlgorithm: "ECDSA_SHA_384" });
  });

  for (const key of ["rsa2048", "rsa3072"] as const) {
    it(`RS384 with an ${key === "rsa2048" ? "RSA_2048" : "RSA_3072"} key: RSASSA_PKCS1_V1_5_SHA_384, verifies with the public JWK`, async () => {
      const signer = await createKmsSigner({ kms: env.client, keyId: env.keys[key], alg: "RS384" });
      const signature = await signAndVerify(signer, "hello");
      expect(signature).toHaveLength(key === "rsa2048" ? 256 : 384);
      expect(env.kms.requests.filter((r) => r.op === "Sign").at(-1)!.body).toMatchObject({
        SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_384",
      });
      expect(signer.publicJwk).toMatchObject({ kty: "RSA", e: "AQAB", alg: "RS384", use: "sig" });
    });
  }

  it("public JWK and JWKS from GetPublicKey: kid = RFC 7638 thumbprint unless given; no private member; the alias is pinned to the key ARN", async () => {
    const { keyArn, jwk } = await getKmsPublicKey({ kms: env.client, keyId: "alias/smart-es384", alg: "ES384" });
    expect(keyArn).toBe(env.keys.p384);
    expect(Object.keys(jwk).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x", "y"]);
    expect(jwk).toMatchObject({ kty: "EC", crv: "P-384", alg: "ES384", use: "sig" });
    expect(jwk.kid).toBe(await calculateJwkThumbprint({ kty: "EC", crv: "P-384", x: jwk.x!, y: jwk.y! }, "sha256"));
    const named = await createKmsSigner({
      kms: env.client,
      keyId: "alias/smart-es384",
      alg: "ES384",
      kid: "prod-2026",
    });
    expect(named.kid).toBe("prod-2026");
    expect(named.jwks()).toEqual({ keys: [{ ...jwk, kid: "prod-2026" }] });
    const both = await getKmsJwks(
      { kms: env.client, keyId: "alias/smart-es384", alg: "ES384" },
      { kms: env.client, keyId: "alias/smart-rs384", alg: "RS384" },
    );
    expect(both.keys.map((k) => k.alg)).toEqual(["ES384", "RS384"]);
    expect(both.keys.every((k) => !("d" in k) && !("p" in k))).toBe(true);
    // the alias moves to another key: the signer keeps signing with the key its kid names
    env.kms.setAlias("alias/smart-es384", env.keys.disabled);
    try {
      await signAndVerify(named, "pinned");
      expect(env.kms.requests.filter((r) => r.op === "Sign").at(-1)!.body.KeyId).toBe(env.keys.p384);
    } finally {
      env.kms.setAlias("alias/smart-es384", env.keys.p384);
    }
  });

  it("refuses key specs that cannot do the alg, with kms_unsupported_key (not retryable), before any Sign", async () => {
    const cases: Array<[string, "ES384" | "RS384", RegExp]> = [
      ["alias/smart-p256", "ES384", /key spec is ECC_NIST_P256, ES384 needs ECC_NIST_P384/],
      ["alias/smart-rs384", "ES384", /key spec is RSA_2048/],
      ["alias/smart-es384", "RS384", /key spec is ECC_NIST_P384, RS384 needs RSA_2048 or RSA_3072 or RSA_4096/],
    ];
    for (const [keyId, alg, message] of cases) {
      const err = (await createKmsSigner({ kms: env.client, keyId, alg }).catch((e: unknown) => e)) as KmsSignerError;
      expect(KmsSignerError.is(err), keyId).toBe(true);
      expect(err.code).toBe(KmsSignerErrorCode.UnsupportedKey);
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(message);
    }
    // a symmetric key has no public key: KMS's own error, mapped, not retryable
    const symmetric = (await createKmsSigner({ kms: env.client, keyId: "alias/symmetric", alg: "ES384" }).catch(
      (e: unknown) => e,
    )) as KmsSignerError;
    expect(symmetric).toMatchObject({
      code: KmsSignerErrorCode.KeyService,
      retryable: false,
      operation: "GetPublicKey",
    });
    expect(symmetric.message).toContain("UnsupportedOperationException");
    expect(env.kms.calls.Sign).toBe(0);
  });

  it("KMS errors become KmsSignerError with retryable: throttling, KMS internal, dependency timeout, network, timeout yes; access denied, disabled, not found no", async () => {
    const signer = await createKmsSigner({ kms: env.client, keyId: env.keys.p384, alg: "ES384", timeoutMs: 300 });
    const data = input("header.payload");
    const cases: Array<[Parameters<typeof env.kms.failNext>[1], boolean]> = [
      ["ThrottlingException", true],
      ["KMSInternalException", true],
      ["DependencyTimeoutException", true],
      ["AccessDeniedException", false],
      ["DisabledException", false],
      ["NotFoundException", false],
      ["KMSInvalidStateException", false],
    ];
    for (const [name, retryable] of cases) {
      env.kms.failNext("Sign", name);
      const err = (await signer.sign(data).catch((e: unknown) => e)) as KmsSignerError;
      expect(err, name).toBeInstanceOf(KmsSignerError);
      expect(err).toMatchObject({
        code: KmsSignerErrorCode.KeyService,
        retryable,
        operation: "Sign",
        keyId: env.keys.p384,
      });
      expect(err.message).toBe(`KMS Sign failed for key "${env.keys.p384}": ${name}${retryable ? " (retryable)" : ""}`);
    }
    env.kms.delayNext("Sign", 1_000);
    expect(await signer.sign(data).catch((e: unknown) => e)).toMatchObject({
      retryable: true,
      message: expect.stringContaining("TimeoutError"),
    });
    // a real disabled key, not an injected fault
    const disabled = new KmsSigner(
      { kms: env.client, keyId: env.keys.disabled, alg: "ES384" },
      { keyArn: env.keys.disabled, jwk: signer.publicJwk },
    );
    expect(await disabled.sign(data).catch((e: unknown) => e)).toMatchObject({
      retryable: false,
      message: expect.stringContaining("DisabledException"),
    });
    // nothing listens: a network error, retryable
    const closed = new KMSClient({ ...env.kms.clientConfig(), endpoint: "http://127.0.0.1:1", maxAttempts: 1 });
    const offline = new KmsSigner(
      { kms: closed, keyId: env.keys.p384, alg: "ES384" },
      { keyArn: env.keys.p384, jwk: signer.publicJwk },
    );
    expect(await offline.sign(data).catch((e: unknown) => e)).toMatchObject({
      code: KmsSignerErrorCode.KeyService,
      retryable: true,
    });
    closed.destroy();
  });

  it("a malformed KMS signature is kms_malformed_response: bad DER, DER of a wrong size, an RSA signature of the wrong length", async () => {
    const es = await createKmsSigner({ kms: env.client, keyId: env.keys.p384, alg: "ES384" });
    const rs = await createKmsSigner({ kms: env.client, keyId: env.keys.rsa2048, alg: "RS384" });
    const tampers: Array<[KmsSigner, (sig: Buffer) => Buffer]> = [
      [es, (sig) => Buffer.concat([sig, Buffer.from([0])])],
      [es, (sig) => sig.subarray(0, sig.length - 1)],
      [es, () => Buffer.from([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01])],
      [es, (sig) => Buffer.from(Buffer.from(sig).fill(0x7f, 0, 1))],
      [es, () => Buffer.alloc(0)],
      [rs, (sig) => sig.subarray(1)],
      [rs, (sig) => Buffer.concat([sig, sig])],
    ];
    for (const [signer, tamper] of tampers) {
      env.kms.signing.tamperSignature = tamper;
      const err = (await signer.sign(input("x.y")).catch((e: unknown) => e)) as KmsSignerError;
      expect(err).toMatchObject({ code: KmsSignerErrorCode.MalformedResponse, retryable: false, operation: "Sign" });
    }
  });

  it("no key material in any error or in the signer: message, JSON, inspect (cause chain included)", async () => {
    const signer = await createKmsSigner({ kms: env.client, keyId: env.keys.p384, alg: "ES384" });
    const secretKey = env.kms.signing.privateKeyOf(env.keys.p384.split("/").pop()!)!.export({ format: "jwk" }).d!;
    const signatureB64 = Buffer.from(await signer.sign(input("a.b"))).toString("base64");
    const errors: unknown[] = [];
    env.kms.failNext("Sign", "AccessDeniedException");
    errors.push(await signer.sign(input("a.b")).catch((e: unknown) => e));
    env.kms.signing.tamperSignature = (sig) => sig.subarray(2);
    errors.push(await signer.sign(input("a.b")).catch((e: unknown) => e));
    errors.push(
      await createKmsSigner({ kms: env.client, keyId: "alias/smart-p256", alg: "ES384" }).catch((e: unknown) => e),
    );
    for (const err of errors) {
      for (const view of [String(err), JSON.stringify(err), inspect(err, { depth: 10 })]) {
        expect(view).not.toContain(secretKey);
        expect(view).not.toContain(signatureB64);
        expect(view).not.toContain("secretAccessKey");
      }
    }
    for (const view of [JSON.stringify(signer), inspect(signer, { depth: 10 })]) {
      expect(view).not.toContain("secretAccessKey");
      expect(view).not.toContain(secretKey);
    }
  });

  it("misuse is a TypeError; the signer is an AssertionSigner of @fhir-dsl/smart", async () => {
    for (const options of [
      undefined,
      {},
      { kms: env.client },
      { kms: env.client, keyId: "k" },
      { kms: env.client, keyId: "k", alg: "ES256" },
      { kms: {}, keyId: "k", alg: "ES384" },
      { kms: env.client, keyId: "k", alg: "ES384", kid: "" },
    ]) {
      await expect(createKmsSigner(options as never)).rejects.toBeInstanceOf(TypeError);
    }
    expectTypeOf<KmsSigner>().toMatchTypeOf<AssertionSigner>();
  });
});
