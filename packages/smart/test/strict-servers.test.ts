// Issue 19, "Strict servers": what independent authorization servers insist on.
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import {
  buildAuthorizeUrl,
  codeChallengeS256,
  exchangeCode,
  generateCodeVerifier,
  generateState,
  InMemoryTokenStore,
  discoverSmartConfiguration,
  introspectToken,
  revokeToken,
  SmartClient,
  type ClientAuthShorthand,
  type StoredToken,
} from "../src/index.js";
import { createFakeServer, type FakeServer } from "./support/fake-smart-server.js";
import { recordError } from "./support/provoked-errors.js";

let server: FakeServer;
beforeEach(async () => {
  server = await createFakeServer();
});

const SCOPE = "launch/patient openid fhirUser patient/Observation.rs offline_access";

async function login(auth: ClientAuthShorthand = {}) {
  const codeVerifier = generateCodeVerifier();
  const url = buildAuthorizeUrl({
    smartConfig: server.config,
    clientId: "my-app",
    redirectUri: "https://app.example.com/cb",
    scope: SCOPE,
    state: generateState(),
    codeChallenge: await codeChallengeS256(codeVerifier),
    aud: server.FHIR,
  });
  const code = server.authorize(url, { patient: "123" }).searchParams.get("code")!;
  return exchangeCode({
    smartConfig: server.config,
    clientId: "my-app",
    redirectUri: "https://app.example.com/cb",
    code,
    codeVerifier,
    fetch: server.fetch,
    ...auth,
  });
}

const client = (tokens: StoredToken, extra: Partial<ConstructorParameters<typeof SmartClient>[0]> = {}) =>
  new SmartClient({
    smartConfig: server.config,
    clientId: "my-app",
    tokens,
    fhirBaseUrl: server.FHIR,
    fetch: server.fetch,
    ...extra,
  });

const refreshRequests = () => server.tokenRequests().filter((r) => r.form.get("grant_type") === "refresh_token");

// Refusals a strict server sends on a refresh grant: other codes than invalid_grant, no body, HTML, odd statuses.
const REFUSALS: Array<[string, () => Response]> = [
  ["invalid_client 401", () => Response.json({ error: "invalid_client" }, { status: 401 })],
  ["unauthorized_client 400", () => Response.json({ error: "unauthorized_client" }, { status: 400 })],
  [
    "invalid_request 400",
    () => Response.json({ error: "invalid_request", error_description: "token reused" }, { status: 400 }),
  ],
  ["invalid_scope 400", () => Response.json({ error: "invalid_scope" }, { status: 400 })],
  ["empty 400", () => new Response(null, { status: 400 })],
  ["empty 401", () => new Response("", { status: 401 })],
  ["HTML 403", () => new Response("<html>Forbidden</html>", { status: 403, headers: { "content-type": "text/html" } })],
  ["text 404", () => new Response("gone", { status: 404 })],
  ["JSON without error 410", () => Response.json({ message: "expired" }, { status: 410 })],
];

describe("a refused refresh is final whatever the body says (issue 19, E3, E8)", () => {
  for (const [name, answer] of REFUSALS) {
    it(`${name}: reauthorization_required, the session is cleared, the refresh token never sent again`, async () => {
      const store = new InMemoryTokenStore();
      const smart = client(await login(), { tokenStore: store, storeKey: "smart:s" });
      await smart.getToken();
      server.next.push(answer);
      const error = await smart.refresh().catch((e) => recordError(e));
      expect(error).toMatchObject({ code: "reauthorization_required", retryable: false });
      expect(await store.get("smart:s")).toBeUndefined();
      for (let i = 0; i < 3; i++) {
        expect(await smart.getToken().catch((e) => recordError(e))).toMatchObject({ code: "reauthorization_required" });
        expect(await smart.refresh().catch((e) => recordError(e))).toMatchObject({ code: "reauthorization_required" });
      }
      expect(refreshRequests()).toHaveLength(1);
    });
  }

  it("the refused refresh token is not resent even when the store still holds it (its delete failed)", async () => {
    const inner = new InMemoryTokenStore();
    // a store whose delete does nothing: the dead token is read back on every call
    const store = {
      get: (k: string) => inner.get(k),
      set: (k: string, v: StoredToken) => inner.set(k, v),
      delete: async () => undefined,
    };
    const smart = client(await login(), { tokenStore: store, storeKey: "smart:d" });
    await smart.getToken();
    server.next.push(() => new Response(null, { status: 400 }));
    expect(await smart.refresh().catch((e) => recordError(e))).toMatchObject({ code: "reauthorization_required" });
    const restored = await SmartClient.restore({
      smartConfig: server.config,
      clientId: "my-app",
      fhirBaseUrl: server.FHIR,
      tokenStore: store,
      storeKey: "smart:d",
      fetch: server.fetch,
    });
    expect(restored).toBeDefined();
    for (let i = 0; i < 3; i++)
      expect(await smart.refresh().catch((e) => recordError(e))).toMatchObject({ code: "reauthorization_required" });
    expect(refreshRequests()).toHaveLength(1);
  });

  it("a refusal with another code still re-reads the store first: a newer token another process stored is used", async () => {
    const store = new InMemoryTokenStore();
    const tokens = await login();
    const smart = client(tokens, { tokenStore: store, storeKey: "smart:fleet" });
    await smart.getToken();
    const newer = {
      ...tokens,
      access_token: "at-from-another-process",
      refresh_token: "rt-from-another-process",
      expires_at: Date.now() + 300_000,
    };
    // while this refresh is in flight, another process rotates the token and stores it; the server refuses ours
    server.next.push(() => {
      void store.set("smart:fleet", newer);
      return new Response(
        JSON.stringify({ error: "invalid_request", error_description: "refresh token already used" }),
        { status: 400 },
      );
    });
    const token = await smart.refresh();
    expect(token.access_token).toBe("at-from-another-process");
    expect(await store.get("smart:fleet")).toMatchObject({ access_token: "at-from-another-process" });
  });

  it("429 and 5xx on refresh stay retryable errors, not the end of the grant", async () => {
    const smart = client(await login(), { maxRetries: 0 });
    await smart.getToken();
    server.next.push(() => Response.json({ error: "temporarily_unavailable" }, { status: 503 }));
    expect(await smart.refresh().catch((e) => recordError(e))).toMatchObject({
      code: "token_endpoint_error",
      retryable: true,
      status: 503,
    });
    expect(await smart.refresh()).toMatchObject({ token_type: "Bearer" });
  });
});

const assertionsSent = () =>
  server.requests
    .filter((r) => r.form.has("client_assertion"))
    .map((r) => ({ url: r.url, assertion: r.form.get("client_assertion")! }));

describe("the client assertion carries kid whenever it can (issue 19, E17)", () => {
  it("taken from the private JWK when no kid option is given; the option wins over the JWK's", async () => {
    const { privateKey } = await generateKeyPair("ES384", { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: "jwk-kid-1" };
    await login({ privateKey: jwk, alg: "ES384" });
    await login({ privateKey: jwk, alg: "ES384", kid: "option-kid" });
    await login({ privateKey, alg: "ES384", kid: "crypto-kid" });
    expect(assertionsSent().map((a) => decodeProtectedHeader(a.assertion).kid)).toEqual([
      "jwk-kid-1",
      "option-kid",
      "crypto-kid",
    ]);
  });

  it("with neither, the assertion is still sent, and a refused request's typed error says no kid was sent", async () => {
    const { privateKey } = await generateKeyPair("ES384", { extractable: true });
    const jwks = [privateKey, { ...(await exportJWK(privateKey)) }];
    for (const key of jwks) {
      server.next.push(() =>
        Response.json({ error: "invalid_client", error_description: "unknown key" }, { status: 401 }),
      );
      const error = await login({ privateKey: key, alg: "ES384" }).catch((e) => recordError(e));
      expect(error).toMatchObject({ code: "token_endpoint_error", error: "invalid_client", status: 401 });
      expect((error as Error).message).toContain("no kid");
    }
    expect(assertionsSent().map((a) => decodeProtectedHeader(a.assertion).kid)).toEqual([undefined, undefined]);
    // with a kid, the message does not blame it; a 5xx never does
    server.next.push(() => Response.json({ error: "invalid_client" }, { status: 401 }));
    expect(((await login({ privateKey, alg: "ES384", kid: "k" }).catch((e) => e)) as Error).message).not.toContain(
      "kid",
    );
    server.next.push(
      () => new Response(null, { status: 502 }),
      () => new Response(null, { status: 502 }),
    );
    expect(((await login({ privateKey, alg: "ES384" }).catch((e) => e)) as Error).message).not.toContain("kid");
  });
});

describe("assertions sent to introspection and revocation carry that endpoint as aud (issue 19, RFC 7523 §3)", () => {
  it("token endpoint, introspection endpoint and revocation endpoint each get their own aud", async () => {
    const { privateKey } = await generateKeyPair("ES384");
    const auth = { privateKey, alg: "ES384", kid: "k" } as const;
    const tokens = await login(auth);
    const common = { smartConfig: server.config, clientId: "my-app", fetch: server.fetch, ...auth };
    await introspectToken({ ...common, token: tokens.access_token });
    await revokeToken({ ...common, token: tokens.access_token });
    const smart = client(tokens, auth);
    await smart.refresh();
    await smart.introspect();
    await smart.revoke();
    const sent = assertionsSent().map(({ url, assertion }) => ({ url, aud: decodeJwt(assertion).aud }));
    expect(sent.length).toBeGreaterThanOrEqual(6);
    for (const { url, aud } of sent) expect(aud).toBe(url);
    expect(new Set(sent.map((s) => s.aud))).toEqual(
      new Set([server.config.token_endpoint, server.config.introspection_endpoint, server.config.revocation_endpoint]),
    );
  });
});

describe("SmartClient.introspect authenticates with a bearer token where the endpoint demands one (issue 19, checklist 8.2)", () => {
  it("sends the given bearer token to the introspection endpoint, and only there", async () => {
    const smart = client(await login());
    server.state.introspectionBearer = "introspection-bearer-1";
    expect(await smart.introspect().catch((e) => recordError(e))).toMatchObject({
      code: "introspection_error",
      status: 401,
    });
    const result = await smart.introspect({ bearerToken: "introspection-bearer-1" });
    expect(result).toMatchObject({ active: true, client_id: "my-app" });
    const introspections = server.requests.filter((r) => r.url === server.config.introspection_endpoint);
    expect(introspections.at(-1)!.headers.get("authorization")).toBe("Bearer introspection-bearer-1");
    expect(
      server.tokenRequests().every((r) => r.headers.get("authorization") !== "Bearer introspection-bearer-1"),
    ).toBe(true);
  });
});

describe("SmartClient.restore with a smartConfig copied by structuredClone or JSON (issue 19)", () => {
  it("finds the FHIR base of a discovered configuration by content, not object identity", async () => {
    const smartConfig = await discoverSmartConfiguration(server.FHIR, { fetch: server.fetch });
    const store = new InMemoryTokenStore();
    await new SmartClient({
      smartConfig,
      clientId: "my-app",
      tokens: await login(),
      tokenStore: store,
      storeKey: "smart:c",
      fetch: server.fetch,
    }).getToken();
    for (const copy of [structuredClone(smartConfig), JSON.parse(JSON.stringify(smartConfig))]) {
      const restored = await SmartClient.restore({
        smartConfig: copy,
        clientId: "my-app",
        tokenStore: store,
        storeKey: "smart:c",
        fetch: server.fetch,
      });
      expect(restored?.fhirBaseUrl).toBe(server.FHIR);
      expect(await restored!.getAuthorization({ url: `${server.FHIR}/Patient/123`, method: "GET" })).toMatch(
        /^Bearer at-/,
      );
      expect(
        await restored!.getAuthorization({ url: "https://other.example/fhir/Patient/1", method: "GET" }),
      ).toBeUndefined();
    }
  });

  it("a document two FHIR bases served alike is not guessed: a TypeError asks for fhirBaseUrl", async () => {
    const doc = JSON.stringify(server.config);
    const fetch = (async () =>
      new Response(doc, { headers: { "content-type": "application/json" } })) as typeof globalThis.fetch;
    const a = await discoverSmartConfiguration("https://tenant-a.example/fhir", { fetch });
    await discoverSmartConfiguration("https://tenant-b.example/fhir", { fetch });
    const store = new InMemoryTokenStore();
    await store.set("smart:t", await login());
    const restore = () =>
      SmartClient.restore({
        smartConfig: structuredClone(a),
        clientId: "my-app",
        tokenStore: store,
        storeKey: "smart:t",
        fetch: server.fetch,
      });
    await expect(restore()).rejects.toThrow(TypeError);
    await expect(restore()).rejects.toThrow(/fhirBaseUrl/);
  });
});
