import { decodeJwt, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { BackendServicesAuth, exchangeCode, SmartClient, type SmartConfiguration } from "../src/index.js";

const { privateKey } = await generateKeyPair("ES384");
let bases = 0;

interface Seen {
  url: string;
  body: URLSearchParams;
  headers: Headers;
}

/** A FHIR server's discovery document and token endpoint behind an injected fetch; every token request recorded. */
function server(
  tokenEndpoint: string,
  tokenBody: Record<string, unknown> = {
    access_token: "at",
    token_type: "bearer",
    expires_in: 300,
    scope: "system/Patient.rs",
  },
) {
  const fhir = `https://ehr.example/fhir${++bases}`;
  const seen: Seen[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    if (req.url === `${fhir}/.well-known/smart-configuration`) {
      return Response.json({
        token_endpoint: tokenEndpoint,
        capabilities: ["client-confidential-asymmetric"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["private_key_jwt"],
      });
    }
    seen.push({ url: req.url, body: new URLSearchParams(await req.text()), headers: req.headers });
    return Response.json(tokenBody);
  }) as typeof globalThis.fetch;
  return { fhir, fetch, seen };
}

describe("client-side MUSTs (issue 15 section 5)", () => {
  // E7: Inferno compares the assertion aud with the token URL exactly; `new URL().href` would rewrite each of these
  it.each([
    "https://EHR.Example/auth/token",
    "https://ehr.example:443/auth/token",
    "HTTPS://ehr.example/auth/token",
    "https://ehr.example/auth/./token",
    "https://ehr.example/auth/x/../token",
    "https://ehr.example/auth/%7etoken",
    "https://ehr.example/auth/token?",
    "https://ehr.example/auth/to ken",
    "https://ehr.example/auth/token/",
  ])("E7: the assertion aud is the token endpoint byte for byte as discovered: %s", async (tokenEndpoint) => {
    const { fhir, fetch, seen } = server(tokenEndpoint);
    const auth = new BackendServicesAuth({
      fhirBaseUrl: fhir,
      clientId: "svc",
      scope: "system/Patient.rs",
      privateKey,
      alg: "ES384",
      fetch,
    });
    await auth.getAccessToken();
    expect(seen).toHaveLength(1);
    expect(decodeJwt(seen[0]!.body.get("client_assertion")!).aud).toBe(tokenEndpoint);
    // the request itself goes to the same endpoint (URL normalisation is for comparing only)
    expect(seen[0]!.url).toBe(new URL(tokenEndpoint).href);
  });

  it("E7: a relative token endpoint resolves against the FHIR base, and that absolute URL is the aud", async () => {
    const { fhir, fetch, seen } = server("auth/token");
    await new BackendServicesAuth({
      fhirBaseUrl: fhir,
      clientId: "svc",
      scope: "system/Patient.rs",
      privateKey,
      alg: "ES384",
      fetch,
    }).getAccessToken();
    expect(decodeJwt(seen[0]!.body.get("client_assertion")!).aud).toBe(`${fhir}/auth/token`);
  });

  it("E7: a configuration changed after discovery uses its own token_endpoint", async () => {
    const { fetch, seen } = server("unused");
    const smartConfig = {
      token_endpoint: "https://other.example/token",
      capabilities: [],
      code_challenge_methods_supported: ["S256"],
      grant_types_supported: ["authorization_code", "client_credentials"],
    } as SmartConfiguration;
    // another origin than the FHIR base: allowed explicitly (SECURITY.md F11), which does not change what aud carries
    const allowedTokenEndpoints = ["https://other.example/token"];
    await new BackendServicesAuth({
      fhirBaseUrl: "https://ehr.example/fhir",
      smartConfig,
      allowedTokenEndpoints,
      clientId: "svc",
      scope: "system/Patient.rs",
      privateKey,
      alg: "ES384",
      fetch,
    }).getAccessToken();
    expect(decodeJwt(seen[0]!.body.get("client_assertion")!).aud).toBe("https://other.example/token");
  });

  // 2.41: the IG's token requests for confidential clients carry no client_id (app-launch.html#request-4, backend-services example)
  it("2.41: an asymmetric client sends the assertion and no client_id in the body, in every grant; clientIdInBody adds it", async () => {
    const { fhir, fetch, seen } = server("https://ehr.example/auth/token", {
      access_token: "at",
      token_type: "bearer",
      expires_in: 300,
      scope: "launch/patient",
      refresh_token: "rt",
    });
    await new BackendServicesAuth({
      fhirBaseUrl: fhir,
      clientId: "svc",
      scope: "system/Patient.rs",
      privateKey,
      alg: "ES384",
      fetch,
    }).getAccessToken();
    const smartConfig = {
      token_endpoint: "https://ehr.example/auth/token",
      capabilities: [],
      code_challenge_methods_supported: ["S256"],
      grant_types_supported: ["authorization_code", "client_credentials"],
    } as SmartConfiguration;
    const app = { smartConfig, clientId: "app", privateKey, alg: "ES384" as const, fetch };
    const tokens = await exchangeCode({
      ...app,
      redirectUri: "https://app.example/cb",
      code: "c",
      codeVerifier: "v".repeat(43),
      verifyIdToken: false,
    });
    await new SmartClient({ ...app, fhirBaseUrl: "https://ehr.example/fhir", tokens }).refresh();
    expect(seen.map((s) => s.body.get("grant_type"))).toEqual([
      "client_credentials",
      "authorization_code",
      "refresh_token",
    ]);
    for (const { body } of seen) {
      expect(body.has("client_id")).toBe(false);
      expect(body.get("client_assertion_type")).toBe("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
      const { iss, sub } = decodeJwt(body.get("client_assertion")!);
      expect(sub).toBe(iss);
      expect(iss).toBe(body.get("grant_type") === "client_credentials" ? "svc" : "app");
    }
    const opted = server("https://ehr.example/auth/token");
    await new BackendServicesAuth({
      fhirBaseUrl: opted.fhir,
      clientId: "svc",
      scope: "system/Patient.rs",
      clientAuth: { method: "private_key_jwt", privateKey, alg: "ES384", clientIdInBody: true },
      fetch: opted.fetch,
    }).getAccessToken();
    expect(opted.seen[0]!.body.get("client_id")).toBe("svc");
  });

  it("4.4 / 6.1: Backend Services refuses symmetric client authentication at construction unless allowSymmetricClientAuth", async () => {
    const base = { fhirBaseUrl: "https://ehr.example/fhir", clientId: "svc", scope: "system/Patient.rs" };
    for (const method of ["client_secret_basic", "client_secret_post"] as const) {
      expect(() => new BackendServicesAuth({ ...base, clientAuth: { method, clientSecret: "s3cret-value" } })).toThrow(
        TypeError,
      );
      expect(() => new BackendServicesAuth({ ...base, clientAuth: { method, clientSecret: "s3cret-value" } })).toThrow(
        /allowSymmetricClientAuth/,
      );
      try {
        new BackendServicesAuth({ ...base, clientAuth: { method, clientSecret: "s3cret-value" } });
      } catch (error) {
        expect(String(error)).not.toContain("s3cret-value");
      }
    }
    const { fhir, fetch, seen } = server("https://ehr.example/auth/token");
    const allowed = new BackendServicesAuth({
      ...base,
      fhirBaseUrl: fhir,
      fetch,
      clientAuth: { method: "client_secret_basic", clientSecret: "s" },
      allowSymmetricClientAuth: true,
    });
    expect(await allowed.getAccessToken()).toBe("at");
    expect(seen[0]!.headers.get("authorization")).toMatch(/^Basic /);
  });

  it("E1: a token response without scope stands for the requested scope, marked unconfirmed, in BackendServicesAuth as in SmartClient", async () => {
    const without = server("https://ehr.example/auth/token", {
      access_token: "at",
      token_type: "bearer",
      expires_in: 300,
    });
    const backend = new BackendServicesAuth({
      fhirBaseUrl: without.fhir,
      clientId: "svc",
      scope: "system/Patient.rs system/Observation.rs",
      privateKey,
      alg: "ES384",
      fetch: without.fetch,
    });
    expect(backend.scopesConfirmed).toBe(false);
    await backend.getAccessToken();
    expect(backend.grantedScopes?.toString()).toBe("system/Patient.rs system/Observation.rs");
    expect(backend.scopesConfirmed).toBe(false);

    const app = new SmartClient({
      smartConfig: {
        token_endpoint: "https://ehr.example/auth/token",
        capabilities: [],
        code_challenge_methods_supported: ["S256"],
        grant_types_supported: ["authorization_code", "client_credentials"],
      } as SmartConfiguration,
      clientId: "app",
      fhirBaseUrl: "https://ehr.example/fhir",
      requestedScope: "system/Patient.rs system/Observation.rs",
      tokens: { access_token: "at", token_type: "Bearer", expires_in: 300 },
    });
    expect(app.scopes.toString()).toBe(backend.grantedScopes?.toString());
    expect(app.scopesConfirmed).toBe(backend.scopesConfirmed);

    const withScope = server("https://ehr.example/auth/token", {
      access_token: "at",
      token_type: "bearer",
      expires_in: 300,
      scope: "system/Patient.rs",
    });
    const confirmed = new BackendServicesAuth({
      fhirBaseUrl: withScope.fhir,
      clientId: "svc",
      scope: "system/Patient.rs system/Observation.rs",
      privateKey,
      alg: "ES384",
      fetch: withScope.fetch,
    });
    await confirmed.getAccessToken();
    expect(confirmed.grantedScopes?.toString()).toBe("system/Patient.rs");
    expect(confirmed.scopesConfirmed).toBe(true);
  });
});
