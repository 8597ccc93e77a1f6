// "@fhir-dsl/smart-sandbox/testing": registerBackendClient registers a Backend Services client with a fresh key
// (SMART 2.2 backend-services.html#registering-a-smart-backend-service) that can get a token at once.
import { importJWK, importPKCS8 } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../src/index.js";
import { registerBackendClient } from "../src/testing.js";
import { clientAssertion, fhirGet, tokenPost } from "./helpers.js";

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(() => sandbox.close());

async function clientCredentials(client: Awaited<ReturnType<typeof registerBackendClient>>, scope: string) {
  const key = { privateKey: client.privateKey, publicJwk: client.jwks.keys[0]!, kid: client.kid, alg: client.alg };
  const assertion = await clientAssertion(sandbox, client.clientId, key);
  return tokenPost(sandbox, {
    grant_type: "client_credentials",
    scope,
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: assertion,
  });
}

describe("registerBackendClient (checklist: backend services registration, private_key_jwt)", () => {
  for (const alg of ["ES384", "RS384"] as const) {
    it(`${alg}: the registered client gets a token with its key and reads FHIR`, async () => {
      const client = await registerBackendClient(sandbox, { alg, scope: "system/Patient.rs" });
      expect(client.clientId).toMatch(/^backend-/);
      expect(client.alg).toBe(alg);
      const res = await clientCredentials(client, "system/Patient.rs");
      expect(res.status).toBe(200);
      const { access_token, scope } = res.body as { access_token: string; scope: string };
      expect(scope).toBe("system/Patient.rs");
      expect((await fhirGet(sandbox, "Patient", access_token)).status).toBe(200);
    });
  }

  it("the registered JWKS holds the public key only (no private member), with kid, alg and use", async () => {
    const client = await registerBackendClient(sandbox, { clientId: "svc-jwks", kid: "k-7" });
    expect(client.jwks.keys).toHaveLength(1);
    const [jwk] = client.jwks.keys;
    expect(jwk).toMatchObject({ kty: "EC", crv: "P-384", kid: "k-7", alg: "ES384", use: "sig" });
    for (const member of ["d", "p", "q", "dp", "dq", "qi"]) expect(jwk).not.toHaveProperty(member);
  });

  it("the PEM and the private JWK are the same key as privateKey: each signs an assertion the sandbox accepts", async () => {
    const client = await registerBackendClient(sandbox, { clientId: "svc-forms", kid: "k-forms" });
    expect(client.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(client.privateJwk).toMatchObject({ kid: "k-forms", alg: "ES384", d: expect.any(String) });
    for (const privateKey of [
      await importPKCS8(client.privateKeyPem, "ES384"),
      (await importJWK(client.privateJwk, "ES384")) as CryptoKey,
    ]) {
      const res = await clientCredentials({ ...client, privateKey }, "system/Observation.rs");
      expect(res.status).toBe(200);
    }
  });

  it("scope caps what the client gets; a client from another key is refused", async () => {
    const limited = await registerBackendClient(sandbox, { clientId: "svc-limited", scope: "system/Patient.rs" });
    const wider = await clientCredentials(limited, "system/Observation.rs");
    expect(wider.status).toBe(400);
    const other = await registerBackendClient(sandbox, { clientId: "svc-other" });
    const forged = await clientCredentials({ ...limited, privateKey: other.privateKey }, "system/Patient.rs");
    expect(forged.status).toBe(401);
  });

  it("two calls without clientId register two distinct clients", async () => {
    const [a, b] = await Promise.all([registerBackendClient(sandbox), registerBackendClient(sandbox)]);
    expect(a.clientId).not.toBe(b.clientId);
    expect(a.jwks.keys[0]!.x).not.toBe(b.jwks.keys[0]!.x);
  });
});
