// The package README's example, as an ESM user of @fhir-dsl/smart-kms-signer alone with its peer
// @aws-sdk/client-kms: a signer over a (local) KMS key, its JWKS, a signature that verifies, a typed error.
import assert from "node:assert/strict";
import { createPublicKey, verify } from "node:crypto";
import { KMSClient } from "@aws-sdk/client-kms";
import { createKmsSigner, KmsSignerError } from "@fhir-dsl/smart-kms-signer";
import { LocalKms } from "./test-kms/index.js";

assert.match(
  import.meta.resolve("@fhir-dsl/smart-kms-signer"),
  /\/dist\/index\.js$/,
  "import must resolve to the ESM build",
);
const local = await new LocalKms().start();
const arn = await local.createSigningKey("ECC_NIST_P384", { alias: "alias/signing" });
const kms = new KMSClient({ ...local.clientConfig(), maxAttempts: 1 });
try {
  const signer = await createKmsSigner({ kms, keyId: "alias/signing", alg: "ES384" });
  assert.equal(signer.keyArn, arn);
  const [jwk] = signer.jwks().keys;
  assert.deepEqual(Object.keys(jwk).sort(), ["alg", "crv", "kid", "kty", "use", "x", "y"]);
  assert.match(signer.kid, /^[A-Za-z0-9_-]{43}$/);

  const data = new TextEncoder().encode("eyJhbGciOiJFUzM4NCJ9.eyJpc3MiOiJjbGllbnQifQ");
  const signature = await signer.sign(data);
  assert.equal(signature.length, 96);
  const key = createPublicKey({ key: jwk, format: "jwk" });
  assert.equal(verify("sha384", data, { key, dsaEncoding: "ieee-p1363" }, signature), true);
  assert.equal(local.calls.Sign, 1);

  const err = await createKmsSigner({ kms, keyId: "alias/missing", alg: "ES384" }).catch((e) => e);
  assert.ok(KmsSignerError.is(err));
  assert.equal(err.code, "kms_key_service");
  assert.equal(err.retryable, false);
  console.log(`ESM: signed with ${signer.alg} kid ${signer.kid.slice(0, 8)}…, ${local.calls.Sign} Sign call`);
} finally {
  kms.destroy();
  await local.close();
}
