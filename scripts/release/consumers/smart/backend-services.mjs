// Seed README "Backend Services (system-to-system)", run against the sandbox.
import assert from "node:assert/strict";
import { BackendServicesAuth } from "@fhir-dsl/smart";
import { startSandbox } from "@fhir-dsl/smart-sandbox";
import { registerBackendClient } from "@fhir-dsl/smart-sandbox/testing";
import { importPKCS8 } from "./backend-key.mjs";
import { createFhirClient } from "./fhir-client.mjs";

const sandbox = await startSandbox({ port: 0 });
try {
  process.env.PRIVATE_KEY = (
    await registerBackendClient(sandbox, {
      clientId: "backend-client-id",
      scope: "system/Patient.rs system/Observation.rs",
    })
  ).privateKeyPem;

  // --- the README, with the sandbox's URL ---
  const privateKey = await importPKCS8(process.env.PRIVATE_KEY, "ES384");

  const auth = new BackendServicesAuth({
    issuer: sandbox.fhirBaseUrl,
    clientId: "backend-client-id",
    scope: "system/Patient.rs system/Observation.rs",
    privateKey,
    alg: "ES384", // or "RS384"
    kid: "key-1", // optional — included in JWT header
  });

  const fhir = createFhirClient({
    baseUrl: sandbox.fhirBaseUrl,
    auth,
  });

  const patients = await fhir.search("Patient").count(100).execute();
  // ---
  assert.equal(patients.resourceType, "Bundle");
  assert.ok(patients.entry?.length > 0, "the sandbox's fixture patients come back");
  await fhir.search("Observation").execute();
  assert.equal(sandbox.stats.tokenRequests, 1, "one token for both requests (cached)");
  console.log(`Backend Services: ${patients.entry.length} patients, ${sandbox.stats.tokenRequests} token request`);
} finally {
  await sandbox.close();
}
