/**
 * Issue 18 end to end: the sandbox (oidc-provider) accepts assertions signed by AWS KMS (local endpoint,
 * real SDK) for client_credentials (Backend Services) and for an App Launch confidential asymmetric client's
 * code exchange and refreshes. The client is registered with the JWKS the signer derives from GetPublicKey.
 */
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { KMSClient } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BackendServicesAuth,
  buildAuthorizeUrl,
  codeChallengeS256,
  discoverSmartConfiguration,
  exchangeCode,
  generateCodeVerifier,
  generateState,
  SmartAuthError,
  SmartClient,
} from "@fhir-dsl/smart";
import { createKmsSigner, type KmsSigner } from "../src/index.js";
import { startSigningKms } from "./helpers.js";

const REDIRECT = "http://127.0.0.1/callback";
let sandbox: Sandbox;
let env: Awaited<ReturnType<typeof startSigningKms>>;
let es384: KmsSigner;
let rs384: KmsSigner;

// every token request's assertion, as sent
const assertions: string[] = [];
const tap: typeof fetch = async (input, init) => {
  const form = new URLSearchParams(
    typeof init?.body === "string" ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : "",
  );
  const assertion = form.get("client_assertion");
  if (assertion) assertions.push(assertion);
  return fetch(input, init);
};

beforeAll(async () => {
  env = await startSigningKms();
  sandbox = await startSandbox({ port: 0 });
  es384 = await createKmsSigner({ kms: env.client, keyId: "alias/smart-es384", alg: "ES384" });
  rs384 = await createKmsSigner({ kms: env.client, keyId: "alias/smart-rs384", alg: "RS384", kid: "rsa-kms-1" });
  await sandbox.registerClient({ clientId: "kms-backend", jwks: es384.jwks() });
  await sandbox.registerClient({ clientId: "kms-backend-rs", jwks: rs384.jwks() });
  await sandbox.registerClient({
    clientId: "kms-app",
    jwks: es384.jwks(),
    redirectUris: [REDIRECT],
    grantTypes: ["authorization_code", "refresh_token"],
  });
});
afterAll(async () => {
  await sandbox?.close();
  env?.client.destroy();
  await env?.kms.close();
});

describe("KMS-signed assertions accepted by the sandbox (issue 18)", () => {
  for (const [clientId, signer] of [
    ["kms-backend", () => es384],
    ["kms-backend-rs", () => rs384],
  ] as const) {
    it(`Backend Services client_credentials (${clientId}): one KMS Sign per token request, header and claims built by the library (checklist 5.x)`, async () => {
      env.kms.resetCounts();
      const auth = new BackendServicesAuth({
        issuer: sandbox.fhirBaseUrl,
        clientId,
        scope: "system/Patient.rs",
        privateKey: signer(),
        fetch: tap,
        allowInsecureRequests: true,
      });
      const token = await auth.getAccessToken();
      expect(token).toBeTypeOf("string");
      expect(env.kms.calls.Sign).toBe(1);
      expect(env.kms.calls.GetPublicKey).toBe(0); // read once when the signer was made
      // a cached token costs no Sign; a new token costs exactly one
      await auth.getAccessToken();
      expect(env.kms.calls.Sign).toBe(1);
      auth.onUnauthorized();
      await auth.getAccessToken();
      expect(env.kms.calls.Sign).toBe(2);
      const assertion = assertions.at(-1)!;
      expect(decodeProtectedHeader(assertion)).toEqual({ alg: signer().alg, typ: "JWT", kid: signer().kid });
      const claims = decodeJwt(assertion);
      expect(claims).toMatchObject({
        iss: clientId,
        sub: clientId,
        aud: (await discoverSmartConfiguration(sandbox.fhirBaseUrl)).token_endpoint,
      });
      expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
      const read = await auth.fetch(`${sandbox.fhirBaseUrl}/Patient?_count=1`);
      expect(read.status).toBe(200);
    });
  }

  it("App Launch confidential asymmetric client: code exchange and two refreshes signed by KMS, one Sign each (checklist 2.55)", async () => {
    const smartConfig = await discoverSmartConfiguration(sandbox.fhirBaseUrl);
    const codeVerifier = generateCodeVerifier();
    const url = buildAuthorizeUrl({
      smartConfig,
      clientId: "kms-app",
      redirectUri: REDIRECT,
      scope: "launch/patient openid fhirUser patient/*.rs offline_access",
      state: generateState(),
      codeChallenge: await codeChallengeS256(codeVerifier),
      aud: sandbox.fhirBaseUrl,
    });
    const code = (await sandbox.authorize(url)).searchParams.get("code")!;
    env.kms.resetCounts();
    const tokens = await exchangeCode({
      smartConfig,
      clientId: "kms-app",
      redirectUri: REDIRECT,
      code,
      codeVerifier,
      privateKey: es384,
      fetch: tap,
      allowInsecureRequests: true,
    });
    expect(tokens.refresh_token).toBeTypeOf("string");
    expect(env.kms.calls.Sign).toBe(1);
    const smart = new SmartClient({
      smartConfig,
      clientId: "kms-app",
      tokens,
      fhirBaseUrl: sandbox.fhirBaseUrl,
      privateKey: es384,
      fetch: tap,
      allowInsecureRequests: true,
    });
    const first = await smart.refresh();
    const second = await smart.refresh();
    expect(second.access_token).not.toBe(first.access_token);
    expect(env.kms.calls.Sign).toBe(3);
    expect(new Set(assertions.slice(-3).map((a) => decodeJwt(a).jti)).size).toBe(3);
  });

  it("a KMS outage on refresh is a typed, retryable signer_error naming the key; the session survives and refreshes after", async () => {
    const smartConfig = await discoverSmartConfiguration(sandbox.fhirBaseUrl);
    const codeVerifier = generateCodeVerifier();
    const url = buildAuthorizeUrl({
      smartConfig,
      clientId: "kms-app",
      redirectUri: REDIRECT,
      scope: "openid fhirUser patient/*.rs offline_access",
      state: generateState(),
      codeChallenge: await codeChallengeS256(codeVerifier),
      aud: sandbox.fhirBaseUrl,
    });
    const code = (await sandbox.authorize(url)).searchParams.get("code")!;
    const tokens = await exchangeCode({
      smartConfig,
      clientId: "kms-app",
      redirectUri: REDIRECT,
      code,
      codeVerifier,
      privateKey: es384,
      allowInsecureRequests: true,
    });
    const smart = new SmartClient({
      smartConfig,
      clientId: "kms-app",
      tokens,
      fhirBaseUrl: sandbox.fhirBaseUrl,
      privateKey: es384,
      allowInsecureRequests: true,
    });
    env.kms.failNext("Sign", "ThrottlingException");
    const err = (await smart.refresh().catch((e: unknown) => e)) as SmartAuthError;
    expect(SmartAuthError.is(err)).toBe(true);
    expect(err).toMatchObject({ code: "signer_error", retryable: true });
    expect(err.message).toContain(`kid "${es384.kid}", ES384`);
    expect((await smart.refresh()).access_token).toBeTypeOf("string");
  });

  it("the README's example runs as written (KMS client and issuer pointed at the local endpoint and the sandbox)", async () => {
    const localKms = env.kms.clientConfig(); // in the README: { region: "eu-west-1" }
    // --- the README's code ---
    const signer = await createKmsSigner({
      kms: new KMSClient(localKms),
      keyId: "alias/smart-es384", // an asymmetric SIGN_VERIFY key, ECC_NIST_P384
      alg: "ES384",
    });
    const jwks = JSON.stringify(signer.jwks()); // register this JWKS (or host it at your jku) with the server
    await sandbox.registerClient({ clientId: "backend-client-id", jwks: JSON.parse(jwks) });

    const auth = new BackendServicesAuth({
      issuer: sandbox.fhirBaseUrl,
      clientId: "backend-client-id",
      scope: "system/Patient.rs",
      privateKey: signer, // alg and kid come from the signer
    });
    const res = await auth.fetch(`${sandbox.fhirBaseUrl}/Patient?_count=10`);
    // ---
    expect(res.status).toBe(200);
    expect(((await res.json()) as { resourceType: string }).resourceType).toBe("Bundle");
  });
});
