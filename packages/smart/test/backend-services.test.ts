import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { registerBackendClient } from "@fhir-dsl/smart-sandbox/testing";
import { InMemoryTokenStore, type TokenStore } from "@fhir-dsl/token-store";
import { generateKeyPair, importPKCS8 } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BackendServicesAuth, SmartAuthError, createAuthorizedFetch } from "../src/index.js";
import { createFhirClient } from "./support/fake-core.js";

let sandbox: Sandbox;
let es384Pem: string;
let es384: CryptoKey;
let rs384: CryptoKey;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  const es = await registerBackendClient(sandbox, {
    clientId: "backend-client-id",
    scope: "system/Patient.rs system/Observation.rs",
  });
  const rs = await registerBackendClient(sandbox, {
    clientId: "backend-rs384",
    alg: "RS384",
    kid: "rsa-1",
    scope: "system/*.rs",
  });
  es384Pem = es.privateKeyPem;
  es384 = es.privateKey;
  rs384 = rs.privateKey;
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.faults.reset();
  sandbox.stats.reset();
});

describe("seed README: Backend Services example, against the sandbox", () => {
  it("runs as written: importPKCS8 + BackendServicesAuth + createFhirClient + search", async () => {
    process.env.PRIVATE_KEY = es384Pem;
    // --- the README's code, with the sandbox's URL ---
    const privateKey = await importPKCS8(process.env.PRIVATE_KEY!, "ES384");

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
    expect(patients.resourceType).toBe("Bundle");
    expect(patients.entry!.length).toBeGreaterThan(1);
    expect(sandbox.stats.tokenRequests).toBe(1);
  });
});

describe("README: Backend Services with a PEM string, no jose in user code (issue 18)", () => {
  it("runs as written: privateKey is the PKCS#8 PEM from the environment", async () => {
    process.env.PRIVATE_KEY = es384Pem;
    // --- the README's code, with the sandbox's URL ---
    const auth = new BackendServicesAuth({
      issuer: sandbox.fhirBaseUrl,
      clientId: "backend-client-id",
      scope: "system/Patient.rs system/Observation.rs",
      privateKey: process.env.PRIVATE_KEY!, // "-----BEGIN PRIVATE KEY-----…" (PKCS#8), a CryptoKey, a private JWK or a signer
      alg: "ES384", // or "RS384"
      kid: "key-1",
    });

    const fhir = createFhirClient({ baseUrl: sandbox.fhirBaseUrl, auth });
    const patients = await fhir.search("Patient").count(100).execute();
    // ---
    expect(patients.entry!.length).toBeGreaterThan(1);
    expect(sandbox.stats.tokenRequests).toBe(1);
  });
});

describe("BackendServicesAuth against the sandbox (backend-services.html)", () => {
  const make = (extra: Partial<ConstructorParameters<typeof BackendServicesAuth>[0]> = {}) =>
    new BackendServicesAuth({
      issuer: sandbox.fhirBaseUrl,
      clientId: "backend-client-id",
      scope: "system/Patient.rs system/Observation.rs",
      privateKey: es384,
      alg: "ES384",
      kid: "key-1",
      ...extra,
    });

  it("RS384 keys work too (checklist 5.x, E17)", async () => {
    const auth = new BackendServicesAuth({
      issuer: sandbox.fhirBaseUrl,
      clientId: "backend-rs384",
      scope: "system/Patient.rs",
      privateKey: rs384,
      alg: "RS384",
      kid: "rsa-1",
    });
    const res = await auth.fetch(`${sandbox.fhirBaseUrl}/Patient`);
    expect(res.status).toBe(200);
  });

  it("1,000 concurrent cold callers cause exactly one token request (single-flight)", async () => {
    const auth = make();
    const headers = await Promise.all(
      Array.from({ length: 1000 }, () =>
        auth.getAuthorization({ url: `${sandbox.fhirBaseUrl}/Patient`, method: "GET" }),
      ),
    );
    expect(new Set(headers).size).toBe(1);
    expect(headers[0]).toMatch(/^Bearer /);
    expect(sandbox.stats.tokenRequests).toBe(1);
  });

  it("a cached token is served synchronously from memory: no store read over 10,000 calls (ARCHITECTURE.md invariant: no store I/O on the hot path)", async () => {
    const inner = new InMemoryTokenStore();
    const calls = { get: 0, set: 0 };
    const store: TokenStore = {
      get: (k) => (calls.get++, inner.get(k)),
      set: (k, v) => (calls.set++, inner.set(k, v)),
      delete: (k) => inner.delete(k),
    };
    const auth = make({ tokenStore: store });
    await auth.getAccessToken();
    const before = { ...calls };
    const req = { url: `${sandbox.fhirBaseUrl}/Patient?_count=10`, method: "GET" };
    for (let i = 0; i < 10_000; i++) expect(typeof auth.getAuthorization(req)).toBe("string");
    expect(calls).toEqual(before);
    expect(sandbox.stats.tokenRequests).toBe(1);
  });

  it("no token for URLs outside the FHIR base (checklist E21)", async () => {
    const auth = make();
    await auth.getAccessToken();
    expect(auth.getAuthorization({ url: `${sandbox.url}/other/Patient`, method: "GET" })).toBeUndefined();
    expect(auth.getAuthorization({ url: "https://evil.example/fhir/Patient", method: "GET" })).toBeUndefined();
    expect(sandbox.stats.tokenRequests).toBe(1);
  });

  it("renews ahead of expiry: one token request per expiry (checklist E24)", async () => {
    sandbox.faults.setAccessTokenLifetime(2);
    const auth = make();
    const url = `${sandbox.fhirBaseUrl}/Patient`;
    const first = await auth.getAuthorization({ url, method: "GET" });
    expect(await auth.getAuthorization({ url, method: "GET" })).toBe(first);
    await new Promise((r) => setTimeout(r, 1_700)); // past expires_at - lifetime/4
    const second = await auth.getAuthorization({ url, method: "GET" });
    expect(second).not.toBe(first);
    expect(sandbox.stats.tokenRequests).toBe(2);
  });

  it("expires_in missing: the token is used until a 401, then renewed once and the request retried once (E2, E20)", async () => {
    sandbox.faults.omitExpiresIn(true);
    sandbox.faults.setAccessTokenLifetime(2); // whole seconds at the server: 2 s is at least 1 s of validity
    const auth = make();
    const fhir = createFhirClient({ baseUrl: sandbox.fhirBaseUrl, auth });
    await fhir.search("Patient").execute();
    expect((await auth.getToken()).expires_at).toBeUndefined();
    await new Promise((r) => setTimeout(r, 2_300)); // the server's token expired; the client cannot know
    sandbox.faults.setAccessTokenLifetime(300);
    await fhir.search("Patient").execute();
    expect(fhir.requests.map((r) => r.status)).toEqual([200, 401, 200]);
    expect(sandbox.stats.tokenRequests).toBe(2);
    // the same through the fetch wrapper
    const viaFetch = await createAuthorizedFetch(auth)(`${sandbox.fhirBaseUrl}/Patient`);
    expect(viaFetch.status).toBe(200);
    expect(sandbox.stats.tokenRequests).toBe(2);
  });

  it("5xx from the token endpoint is retried with backoff and a fresh assertion (E5)", async () => {
    sandbox.faults.failTokenRequests(2, 503);
    const auth = make();
    expect(await auth.getAccessToken()).toBeTypeOf("string");
    expect(sandbox.stats.tokenRequests).toBe(3);
  });

  it("a connection reset is retried for client_credentials (a new assertion is safe)", async () => {
    sandbox.faults.resetConnections(1);
    expect(await make().getAccessToken()).toBeTypeOf("string");
  });

  it("persistent failure: a typed, retryable error after bounded retries", async () => {
    sandbox.faults.failTokenRequestsWithHtml(10, 502);
    const err = await make({ maxRetries: 1 })
      .getAccessToken()
      .catch((e: unknown) => e);
    expect(SmartAuthError.is(err)).toBe(true);
    expect(err).toMatchObject({ code: "token_endpoint_error", status: 502, retryable: true });
    expect(sandbox.stats.tokenRequests).toBe(2);
  });

  it("wrong client id: invalid_client, not retried (E8)", async () => {
    const err = await make({ clientId: "nobody" })
      .getAccessToken()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "token_endpoint_error", error: "invalid_client", retryable: false });
    expect(sandbox.stats.tokenRequests).toBe(1);
  });

  it("a key the server does not know: invalid_client", async () => {
    const other = await generateKeyPair("ES384");
    const err = await make({ privateKey: other.privateKey })
      .getAccessToken()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ error: "invalid_client" });
  });

  it("timeouts are honoured (timeoutMs) and typed", async () => {
    sandbox.faults.delayTokenMs(2_000);
    const err = await make({ timeoutMs: 200, maxRetries: 0 })
      .getAccessToken()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "timeout", retryable: true });
  });

  it("tokens are kept per (token endpoint, client, scope set): two scope sets, two tokens", async () => {
    const store = new InMemoryTokenStore();
    const a = make({ tokenStore: store, scope: "system/Patient.rs" });
    const b = make({ tokenStore: store, scope: "system/Observation.rs system/Patient.rs" });
    const c = make({ tokenStore: store, scope: "system/Patient.rs system/Observation.rs" });
    await a.getAccessToken();
    await b.getAccessToken();
    await c.getAccessToken(); // same set as b, other order: read from the store, no request
    expect(store.size).toBe(2);
    expect(sandbox.stats.tokenRequests).toBe(2);
  });

  it("granted scopes are parsed (checklist E1)", async () => {
    sandbox.faults.narrowScope("system/Patient.rs");
    const auth = make();
    await auth.getAccessToken();
    expect(auth.grantedScopes?.allows("read", "Patient")).toBe(true);
    expect(auth.grantedScopes?.allows("read", "Observation")).toBe(false);
  });

  it("misuse throws TypeError at construction, naming what to pass", () => {
    expect(() => new BackendServicesAuth({ clientId: "x", scope: "system/Patient.rs" } as never)).toThrow(/issuer/);
    expect(() => new BackendServicesAuth({ issuer: sandbox.fhirBaseUrl, clientId: "x", scope: "" } as never)).toThrow(
      /scope/,
    );
    expect(
      () => new BackendServicesAuth({ issuer: sandbox.fhirBaseUrl, clientId: "x", scope: "system/Patient.rs" }),
    ).toThrow(/privateKey/);
    expect(
      () =>
        new BackendServicesAuth({
          issuer: "http://fhir.example.com/r4",
          clientId: "x",
          scope: "s",
          privateKey: {} as JsonWebKey,
          alg: "ES384",
        }),
    ).toThrow(/plain http/);
  });
});
