import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CAPABILITIES, type Sandbox, startSandbox } from "../src/index.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(() => sandbox.close());

describe("smart-configuration (checklist 1.1-1.7)", () => {
  it("is served under the FHIR base with CORS and every supported field", async () => {
    const res = await fetch(`${sandbox.fhirBaseUrl}/.well-known/smart-configuration`, {
      headers: { accept: "application/json", origin: "http://localhost:3000" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const doc = (await res.json()) as Record<string, any>;
    expect(doc).toMatchObject({
      issuer: sandbox.issuer,
      jwks_uri: sandbox.jwksUri,
      authorization_endpoint: sandbox.authorizationEndpoint,
      token_endpoint: sandbox.tokenEndpoint,
      introspection_endpoint: sandbox.introspectionEndpoint,
      revocation_endpoint: sandbox.revocationEndpoint,
      token_endpoint_auth_signing_alg_values_supported: ["RS384", "ES384"],
      code_challenge_methods_supported: ["S256"],
      response_types_supported: ["code"],
    });
    expect(doc.grant_types_supported).toEqual(
      expect.arrayContaining(["authorization_code", "client_credentials", "refresh_token"]),
    );
    expect(doc.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(["client_secret_basic", "client_secret_post", "private_key_jwt"]),
    );
    for (const capability of [
      "launch-ehr",
      "launch-standalone",
      "authorize-post",
      "client-public",
      "client-confidential-symmetric",
      "client-confidential-asymmetric",
      "sso-openid-connect",
      "context-banner",
      "context-style",
      "context-ehr-patient",
      "context-ehr-encounter",
      "context-standalone-patient",
      "permission-offline",
      "permission-patient",
      "permission-user",
      "permission-v1",
      "permission-v2",
    ]) {
      expect(doc.capabilities).toContain(capability);
    }
    expect(doc.capabilities).toEqual([...CAPABILITIES]);
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(["openid", "fhirUser", "launch", "offline_access"]));
  });

  it("the OpenID configuration at the issuer agrees with it", async () => {
    const oidc = (await (await fetch(`${sandbox.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      any
    >;
    expect(oidc.issuer).toBe(sandbox.issuer);
    expect(oidc.token_endpoint).toBe(sandbox.tokenEndpoint);
    expect(oidc.authorization_endpoint).toBe(sandbox.authorizationEndpoint);
    expect(oidc.jwks_uri).toBe(sandbox.jwksUri);
    expect(oidc.code_challenge_methods_supported).toEqual(["S256"]);
    expect(oidc.token_endpoint_auth_signing_alg_values_supported).toEqual(["RS384", "ES384"]);
    const jwks = (await (await fetch(sandbox.jwksUri)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });

  it("exposes origin, FHIR base and endpoints as URLs", () => {
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.fhirBaseUrl).toBe(`${sandbox.url}/fhir`);
    expect(sandbox.issuer).toBe(`${sandbox.url}/auth`);
    expect(sandbox.tokenEndpoint.startsWith(sandbox.issuer)).toBe(true);
  });
});

describe("start-up and options", () => {
  it("starts well under a second once keys exist (key generated once per process)", async () => {
    const times: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const start = performance.now();
      const s = await startSandbox();
      times.push(performance.now() - start);
      await s.close();
    }
    console.log(`sandbox start-up (warm process): ${times.map((t) => t.toFixed(1)).join(" ms, ")} ms`);
    expect(Math.max(...times)).toBeLessThan(250);
  });

  it("honours fhirBasePath, a fixed port and a fixed signing key", async () => {
    const { generateKeyPair, exportJWK } = await import("jose");
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const signingKey = { ...(await exportJWK(privateKey)), kid: "fixed" };
    const probe = await startSandbox();
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const s = await startSandbox({ port, fhirBasePath: "/r4/", signingKey });
    try {
      expect(s.fhirBaseUrl).toBe(`http://127.0.0.1:${port}/r4`);
      expect((await fetch(`${s.fhirBaseUrl}/.well-known/smart-configuration`)).status).toBe(200);
      const jwks = (await (await fetch(s.jwksUri)).json()) as { keys: Array<{ kid: string }> };
      expect(jwks.keys.map((k) => k.kid)).toEqual(["fixed"]);
    } finally {
      await s.close();
    }
  });

  it("refuses bad options with a TypeError saying what to pass", async () => {
    await expect(startSandbox({ host: "0.0.0.0" as "127.0.0.1" })).rejects.toThrow(/127\.0\.0\.1/);
    await expect(startSandbox({ port: -1 })).rejects.toBeInstanceOf(TypeError);
    await expect(startSandbox({ fhirBasePath: "fhir" })).rejects.toBeInstanceOf(TypeError);
    await expect(startSandbox({ fhirBasePath: "/auth/fhir" })).rejects.toBeInstanceOf(TypeError);
    await expect(startSandbox({ accessTokenLifetimeSeconds: 0 })).rejects.toBeInstanceOf(TypeError);
    await expect(startSandbox({ signingKey: { kty: "EC" } })).rejects.toBeInstanceOf(TypeError);
  });

  it("serves the style document and an index of its URLs", async () => {
    const style = await fetch(`${sandbox.url}/smart-style.json`);
    expect(style.status).toBe(200);
    expect(((await style.json()) as Record<string, string>).color_background).toBeTypeOf("string");
    const index = (await (await fetch(`${sandbox.url}/`)).json()) as Record<string, string>;
    expect(index.fhirBaseUrl).toBe(sandbox.fhirBaseUrl);
    expect((await fetch(`${sandbox.url}/nothing-here`)).status).toBe(404);
  });
});
