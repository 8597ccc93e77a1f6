// Seed README "App Launch (OAuth2 + PKCE)", "Token Storage" and "Error Handling", against the sandbox;
// sandbox.authorize() plays the browser. Changes from the README: sandbox URLs, and the scope adds
// patient/Patient.rs because the sandbox enforces scopes and the example then reads the Patient.
import assert from "node:assert/strict";
import * as smart from "@fhir-dsl/smart";
import { startSandbox } from "@fhir-dsl/smart-sandbox";
import { missingExports } from "./exports.mjs";
import { createFhirClient } from "./fhir-client.mjs";

const {
  discoverSmartConfiguration,
  generateCodeVerifier,
  codeChallengeS256,
  generateState,
  buildAuthorizeUrl,
  exchangeCode,
  SmartClient,
  SmartAuthError,
} = smart;
const missing = missingExports(smart, [
  "discoverSmartConfiguration",
  "generateCodeVerifier",
  "codeChallengeS256",
  "generateState",
  "buildAuthorizeUrl",
  "exchangeCode",
  "SmartClient",
  "SmartAuthError",
]);
if (missing.length > 0) {
  console.log(`MISSING from @fhir-dsl/smart, so the App Launch example cannot run: ${missing.join(", ")}`);
  process.exit(1);
}

const sandbox = await startSandbox({ port: 0 });
try {
  await sandbox.registerClient({ clientId: "my-app", redirectUris: ["https://app.example.com/callback"] });
  const ehrLaunchToken = sandbox.createLaunch({ patient: "patient-2" });

  // --- the README, with the sandbox's URLs ---
  // 1. Discover endpoints from /.well-known/smart-configuration
  const smartConfig = await discoverSmartConfiguration(sandbox.fhirBaseUrl);

  // 2. Generate PKCE verifier + CSRF state, stash them in session
  const verifier = generateCodeVerifier();
  const challenge = await codeChallengeS256(verifier);
  const state = generateState();

  // 3. Redirect the browser to the authorize URL
  const url = buildAuthorizeUrl({
    smartConfig,
    clientId: "my-app",
    redirectUri: "https://app.example.com/callback",
    scope: "launch/patient openid fhirUser patient/Observation.rs patient/Patient.rs offline_access",
    state,
    codeChallenge: challenge,
    aud: sandbox.fhirBaseUrl,
    launch: ehrLaunchToken, // EHR launch only
  });
  const redirect = await sandbox.authorize(url); // the browser's part
  assert.equal(redirect.searchParams.get("state"), state);
  const codeFromQuery = redirect.searchParams.get("code");
  assert.ok(codeFromQuery, `no code in the redirect (${redirect.searchParams.get("error")})`);

  // 4. In the callback: exchange the code for tokens
  const tokens = await exchangeCode({
    smartConfig,
    clientId: "my-app",
    redirectUri: "https://app.example.com/callback",
    code: codeFromQuery,
    codeVerifier: verifier,
  });

  // 5. Wrap in a SmartClient — auto-refreshes on expiry; "Token Storage": a custom TokenStore swapped in
  const stored = new Map();
  class EncryptedStore {
    async get(key) {
      return stored.get(key);
    }
    async set(key, value) {
      stored.set(key, value);
    }
    async delete(key) {
      stored.delete(key);
    }
  }
  const userId = "user-1";
  const client = new SmartClient({
    smartConfig,
    clientId: "my-app",
    tokens,
    tokenStore: new EncryptedStore(),
    storeKey: `smart:${userId}`,
  });

  const fhir = createFhirClient({
    baseUrl: sandbox.fhirBaseUrl,
    auth: client,
  });

  // Launch context is available on the client
  const patient = await fhir.read("Patient", client.patientId).execute();
  // ---
  assert.equal(patient.resourceType, "Patient");
  assert.equal(patient.id, "patient-2", "the launch context's patient");
  assert.equal(client.scopes.allows("read", "Observation", "patient"), true);
  assert.ok(stored.has("smart:user-1"), "SmartClient kept its tokens in the custom store under storeKey");

  // "Error Handling": the same code twice is an RFC 6749 invalid_grant
  const err = await exchangeCode({
    smartConfig,
    clientId: "my-app",
    redirectUri: "https://app.example.com/callback",
    code: codeFromQuery,
    codeVerifier: verifier,
  }).catch((e) => e);
  assert.ok(err instanceof SmartAuthError, `expected SmartAuthError, got ${err}`);
  assert.equal(err.error, "invalid_grant");
  assert.equal(err.status, 400);
  console.log(`App Launch: Patient/${patient.id} read with the launch's token; replayed code -> ${err.error}`);
} finally {
  await sandbox.close();
}
