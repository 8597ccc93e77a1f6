// Seed README Backend Services with the token store swapped for KMS envelope encryption (over the in-memory
// store) in one line, against the sandbox and a local KMS JSON-protocol endpoint.
import assert from "node:assert/strict";
import { KMSClient } from "@aws-sdk/client-kms";
import { BackendServicesAuth, InMemoryTokenStore } from "@fhir-dsl/smart";
import * as adapter from "@fhir-dsl/token-store-kms";
import { startSandbox } from "@fhir-dsl/smart-sandbox";
import { registerBackendClient } from "@fhir-dsl/smart-sandbox/testing";
import { importPKCS8 } from "./backend-key.mjs";
import { skipUnlessExported } from "./exports.mjs";
import { createFhirClient } from "./fhir-client.mjs";
import { startLocalKms } from "./test-kms/index.js";

skipUnlessExported(adapter, "@fhir-dsl/token-store-kms", ["KmsEncryptedTokenStore"]);
const { KmsEncryptedTokenStore } = adapter;

const kmsServer = await startLocalKms();
const sandbox = await startSandbox({ port: 0 });
const kms = new KMSClient(kmsServer.clientConfig());
try {
  const pem = (await registerBackendClient(sandbox, { clientId: "backend-client-id", scope: "system/Patient.rs" }))
    .privateKeyPem;
  const privateKey = await importPKCS8(pem, "ES384");
  const inner = new InMemoryTokenStore();
  const make = () =>
    new BackendServicesAuth({
      issuer: sandbox.fhirBaseUrl,
      clientId: "backend-client-id",
      scope: "system/Patient.rs",
      privateKey,
      alg: "ES384",
      kid: "key-1",
      storeKey: "backend",
      tokenStore: new KmsEncryptedTokenStore({ kms, keyId: "alias/tokens", store: inner }), // <- the one line
    });

  const auth = make();
  const patients = await createFhirClient({ baseUrl: sandbox.fhirBaseUrl, auth })
    .search("Patient")
    .count(100)
    .execute();
  assert.equal(patients.resourceType, "Bundle");
  assert.ok(kmsServer.calls.GenerateDataKey >= 1, "a data key came from KMS");
  const header = await auth.getAuthorization({ url: `${sandbox.fhirBaseUrl}/Patient`, method: "GET" });
  const token = header.replace(/^Bearer /, "");
  const raw = await inner.get("backend");
  assert.ok(raw, "the encrypted token is in the wrapped store");
  assert.ok(!JSON.stringify(raw).includes(token), "the wrapped store holds ciphertext, not the access token");

  // another worker, its own KMS store over the same backend: decrypts the stored token, no second token request
  await createFhirClient({ baseUrl: sandbox.fhirBaseUrl, auth: make() }).search("Patient").execute();
  assert.equal(sandbox.stats.tokenRequests, 1, "the second client reused the stored token");
  assert.ok(kmsServer.calls.Decrypt >= 1, "the second client decrypted its data key with KMS");
  console.log(
    `KMS store: GenerateDataKey ${kmsServer.calls.GenerateDataKey}, Decrypt ${kmsServer.calls.Decrypt}, ${sandbox.stats.tokenRequests} token request for 2 clients`,
  );
} finally {
  kms.destroy();
  await sandbox.close();
  await kmsServer.close();
}
