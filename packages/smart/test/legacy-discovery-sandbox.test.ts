/**
 * Legacy discovery end to end (issue 19 item 4): against a SMART v1 server (the sandbox with
 * `discovery: "legacy"`, no .well-known/smart-configuration) App Launch and Backend Services work from the
 * CapabilityStatement's oauth-uris extension, and the result says it is legacy.
 */
import { FIXTURES, startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  BackendServicesAuth,
  clearDiscoveryCache,
  discoverSmartConfiguration,
  SmartLaunch,
  type SmartLaunchOptions,
} from "../src/index.js";

const REDIRECT = "http://127.0.0.1/callback";
const SCOPE = "launch/patient openid fhirUser patient/*.rs offline_access";
let sandbox: Sandbox;
const es384 = await generateKeyPair("ES384");

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, discovery: "legacy" });
  await sandbox.registerClient({ clientId: "public-app", redirectUris: [REDIRECT] });
  await sandbox.registerClient({
    clientId: "backend",
    jwks: { keys: [{ ...(await exportJWK(es384.publicKey)), kid: "es-1", alg: "ES384" }] },
  });
});
afterAll(() => sandbox?.close());
beforeEach(() => clearDiscoveryCache());

const launcher = (extra: Partial<SmartLaunchOptions> = {}) =>
  new SmartLaunch({
    clientId: "public-app",
    redirectUri: REDIRECT,
    scope: SCOPE,
    trustedIssuers: [sandbox.fhirBaseUrl],
    allowUnboundState: true,
    ...extra,
  });

describe("legacy discovery against the sandbox (issue 19 item 4)", () => {
  it("discoverSmartConfiguration reads metadata after the 404 and marks the result legacy", async () => {
    const config = await discoverSmartConfiguration(sandbox.fhirBaseUrl);
    expect(config).toMatchObject({
      legacy: true,
      authorization_endpoint: sandbox.authorizationEndpoint,
      token_endpoint: sandbox.tokenEndpoint,
      introspection_endpoint: sandbox.introspectionEndpoint,
      revocation_endpoint: sandbox.revocationEndpoint,
      code_challenge_methods_supported: ["S256"],
    });
    // what a legacy declaration cannot say
    expect(config.issuer).toBeUndefined();
    expect(config.jwks_uri).toBeUndefined();
    expect(config.token_endpoint_auth_methods_supported).toBeUndefined();
    expect(config.capabilities).toContain("launch-ehr");
    expect(config.capabilities).not.toContain("sso-openid-connect");
  });

  it("EHR launch end to end: authorize, callback, refresh, FHIR read; the id_token stays unverified, so no fhirUser", async () => {
    const launch = launcher();
    const start = await launch.ehrLaunch({
      iss: sandbox.fhirBaseUrl,
      launch: sandbox.createLaunch({ patient: "patient-2" }),
    });
    const smart = await launch.handleCallback(await sandbox.authorize(start.url));
    expect(smart.smartConfig.legacy).toBe(true);
    expect(smart.patientId).toBe("patient-2");
    expect(smart.fhirUser).toBeUndefined();
    await smart.refresh();
    const patient = await (await smart.fetch(`${sandbox.fhirBaseUrl}/Patient/patient-2`)).json();
    expect(patient).toMatchObject({ resourceType: "Patient", id: "patient-2" });
  });

  it("standalone launch works too", async () => {
    const launch = launcher({ fhirBaseUrl: sandbox.fhirBaseUrl });
    const smart = await launch.handleCallback(await sandbox.authorize((await launch.standaloneLaunch()).url));
    expect(smart.patientId).toBe(FIXTURES.patient);
  });

  it("legacyDiscovery: false in the launch's discovery options refuses a legacy-only server (the 404 is the error)", async () => {
    const launch = launcher({ discovery: { legacyDiscovery: false } });
    await expect(launch.ehrLaunch({ iss: sandbox.fhirBaseUrl, launch: sandbox.createLaunch() })).rejects.toMatchObject({
      code: "discovery_http_status",
      status: 404,
    });
  });

  it("BackendServicesAuth gets a client_credentials token from the legacy token endpoint (private_key_jwt, aud = that endpoint)", async () => {
    const auth = new BackendServicesAuth({
      issuer: sandbox.fhirBaseUrl,
      clientId: "backend",
      scope: "system/Patient.rs",
      privateKey: es384.privateKey,
      alg: "ES384",
      kid: "es-1",
    });
    const res = await auth.fetch(`${sandbox.fhirBaseUrl}/Patient`);
    expect(res.status).toBe(200);
    expect(sandbox.stats.tokenRequestsByGrant.client_credentials).toBeGreaterThanOrEqual(1);
  });
});
