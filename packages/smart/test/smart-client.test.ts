import { decodeJwt, generateKeyPair, SignJWT } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import {
  buildAuthorizeUrl,
  codeChallengeS256,
  createAuthorizedFetch,
  exchangeCode,
  generateCodeVerifier,
  generateState,
  InMemoryTokenStore,
  introspectToken,
  revokeToken,
  SmartClient,
  type ClientAuthShorthand,
  type StoredToken,
  type TokenStore,
} from "../src/index.js";
import { createFakeServer, type FakeServer } from "./support/fake-smart-server.js";
import { checkNoLeaksAfterAll, recordError, recordSecret } from "./support/provoked-errors.js";

let server: FakeServer;
beforeEach(async () => {
  server = await createFakeServer();
});

const SCOPE = "launch/patient openid fhirUser patient/Observation.rs offline_access";
const CONTEXT = {
  patient: "123",
  encounter: "enc-1",
  fhirContext: [{ reference: "DiagnosticReport/7" }],
  need_patient_banner: false,
  smart_style_url: "https://ehr.example/style.json",
  intent: "reconcile",
  tenant: "t-1",
};

async function login(auth: ClientAuthShorthand = {}, scope = SCOPE) {
  const codeVerifier = generateCodeVerifier();
  const url = buildAuthorizeUrl({
    smartConfig: server.config,
    clientId: "my-app",
    redirectUri: "https://app.example.com/cb",
    scope,
    state: generateState(),
    codeChallenge: await codeChallengeS256(codeVerifier),
    aud: server.FHIR,
  });
  const code = server.authorize(url, CONTEXT).searchParams.get("code")!;
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

class Clock {
  t = Date.now();
  now = () => this.t;
}

class CountingStore implements TokenStore {
  inner = new InMemoryTokenStore();
  calls = { get: 0, set: 0, delete: 0, lock: 0 };
  async get(key: string) {
    this.calls.get++;
    return this.inner.get(key);
  }
  async set(key: string, value: StoredToken) {
    this.calls.set++;
    return this.inner.set(key, value);
  }
  async delete(key: string) {
    this.calls.delete++;
    return this.inner.delete(key);
  }
  async lock(key: string, leaseMs: number) {
    this.calls.lock++;
    return this.inner.lock(key, leaseMs);
  }
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

describe("SmartClient (App Launch session)", () => {
  it("attaches the token only under its FHIR base (E21, checklist 2.50)", async () => {
    const smart = client(await login());
    const inBase = await smart.getAuthorization({ url: `${server.FHIR}/Patient/123`, method: "GET" });
    expect(inBase).toMatch(/^Bearer at-/);
    expect(await smart.getAuthorization({ url: server.FHIR, method: "GET" })).toBe(inBase);
    for (const url of [
      `${server.FHIR}-evil/Patient`,
      "https://evil.example/fhir/Patient/1",
      `${server.FHIR}/../auth/token`,
      `${server.AUTH}/token`,
    ]) {
      expect(await smart.getAuthorization({ url, method: "GET" })).toBeUndefined();
    }
  });

  it("exposes launch context, granted scopes and the verified fhirUser (checklist 3.18, 3.23, E1)", async () => {
    const smart = client(await login());
    expect(smart.patientId).toBe("123");
    expect(smart.encounterId).toBe("enc-1");
    expect(smart.fhirContext).toEqual([{ reference: "DiagnosticReport/7" }]);
    expect(smart.needPatientBanner).toBe(false);
    expect(smart.smartStyleUrl).toBe("https://ehr.example/style.json");
    expect(smart.intent).toBe("reconcile");
    expect(smart.tenant).toBe("t-1");
    expect(smart.scopes.allows("read", "Observation", "patient")).toBe(true);
    expect(smart.scopes.allows("read", "Condition")).toBe(false);
    expect(smart.scopesConfirmed).toBe(true);
    expect(smart.fhirUser).toBe(`${server.FHIR}/Practitioner/practitioner-1`);
    expect(smart.idTokenClaims?.sub).toBe("user-1");
    expect(JSON.stringify(smart)).not.toContain("at-");
  });

  it("fhirUser is exposed only after verification (checklist 7.1)", async () => {
    const tokens = await login();
    const smart = client({ ...tokens });
    expect(smart.fhirUser).toBeUndefined();
    await smart.verifyIdToken();
    expect(smart.fhirUser).toBe(`${server.FHIR}/Practitioner/practitioner-1`);
  });

  it("a missing scope falls back to the requested one, marked unconfirmed (E1)", async () => {
    const tokens = await login();
    delete tokens.scope;
    const smart = client(tokens, { requestedScope: "patient/Observation.rs" });
    expect(smart.scopesConfirmed).toBe(false);
    expect(smart.scopes.allows("search", "Observation")).toBe(true);
  });

  it("serves a fresh token from memory: no store read on the hot path", async () => {
    const store = new CountingStore();
    const smart = client(await login(), { tokenStore: store, storeKey: "smart:user-1" });
    await smart.getAuthorization({ url: `${server.FHIR}/Patient/1`, method: "GET" });
    const before = { ...store.calls };
    for (let i = 0; i < 1000; i++) smart.getAuthorization({ url: `${server.FHIR}/Patient/${i}`, method: "GET" });
    expect(store.calls).toEqual(before);
    expect(store.calls.set).toBe(1);
  });

  it("refreshes ahead of expiry once for concurrent callers, with rotation stored (E3, checklist 2.53, 2.57)", async () => {
    const clock = new Clock();
    const store = new CountingStore();
    const tokens = await login();
    const smart = client(tokens, { tokenStore: store, storeKey: "smart:u", now: clock.now });
    const first = await smart.getAuthorization({ url: `${server.FHIR}/Patient`, method: "GET" });
    clock.t += 250_000; // within the 60 s margin of a 300 s token
    const headers = await Promise.all(
      Array.from({ length: 20 }, () => smart.getAuthorization({ url: `${server.FHIR}/Patient`, method: "GET" })),
    );
    expect(new Set(headers).size).toBe(1);
    expect(headers[0]).not.toBe(first);
    const refreshes = server.tokenRequests().filter((r) => r.form.get("grant_type") === "refresh_token");
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.form.get("refresh_token")).toBe(tokens.refresh_token);
    expect(refreshes[0]!.form.get("client_id")).toBe("my-app");
    const stored = await store.inner.get("smart:u");
    expect(stored?.refresh_token).not.toBe(tokens.refresh_token);
    expect(stored?.access_token).toBe(headers[0]!.slice(7));
    // E14: launch context and the verified identity survive a refresh that does not repeat them
    expect(smart.patientId).toBe("123");
    expect(smart.fhirContext).toEqual([{ reference: "DiagnosticReport/7" }]);
    expect(smart.fhirUser).toContain("Practitioner/practitioner-1");
  });

  it("a refresh response without refresh_token keeps the old one (E3, checklist 2.57)", async () => {
    server.state.rotate = false;
    const tokens = await login();
    const smart = client(tokens);
    const refreshed = await smart.refresh();
    expect(refreshed.refresh_token).toBe(tokens.refresh_token);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    await smart.refresh();
    expect(server.tokenRequests().filter((r) => r.form.get("grant_type") === "refresh_token")).toHaveLength(2);
  });

  it("refresh uses the same client authentication as the exchange: Basic, post and a new assertion (checklist 2.55, E5)", async () => {
    recordSecret("basic-secret", "post-secret");
    await client(await login({ clientSecret: "basic-secret" }), { clientSecret: "basic-secret" }).refresh();
    const basic = server.tokenRequests().at(-1)!;
    expect(basic.headers.get("authorization")).toBe(`Basic ${Buffer.from("my-app:basic-secret").toString("base64")}`);
    const post = { clientAuth: { method: "client_secret_post", clientSecret: "post-secret" } } as const;
    await client(await login(post), post).refresh();
    expect(server.tokenRequests().at(-1)!.form.get("client_secret")).toBe("post-secret");
    const { privateKey } = await generateKeyPair("ES384");
    const jwt = { privateKey, alg: "ES384", kid: "k" } as const;
    const smart = client(await login(jwt), jwt);
    await smart.refresh();
    await smart.refresh();
    const assertions = server
      .tokenRequests()
      .slice(-3)
      .map((r) => decodeJwt(r.form.get("client_assertion")!));
    expect(new Set(assertions.map((a) => a.jti)).size).toBe(3);
    expect(assertions.every((a) => a.aud === server.config.token_endpoint)).toBe(true);
  });

  it("invalid_grant on refresh is reauthorization_required and clears the session from the store (E3, E8)", async () => {
    const store = new InMemoryTokenStore();
    const smart = client(await login(), { tokenStore: store, storeKey: "smart:gone" });
    await smart.getToken();
    expect(await store.get("smart:gone")).toBeDefined();
    server.next.push(
      () =>
        new Response(JSON.stringify({ error: "invalid_grant", error_description: "revoked" }), {
          status: 400,
          headers: { "content-type": "application/json" },
        }),
    );
    const error = await smart.refresh().catch((e) => recordError(e));
    expect(error).toMatchObject({
      code: "reauthorization_required",
      error: "invalid_grant",
      errorDescription: "revoked",
      status: 400,
    });
    expect(await store.get("smart:gone")).toBeUndefined();
    expect(smart.patientId).toBeUndefined();
    const again = await smart.getToken().catch((e) => recordError(e));
    expect(again).toMatchObject({ code: "reauthorization_required" });
    expect(server.tokenRequests().filter((r) => r.form.get("grant_type") === "refresh_token")).toHaveLength(1);
  });

  it("an expired token without refresh token asks for re-authorization without calling the server", async () => {
    const clock = new Clock();
    const tokens = await login({}, "launch/patient patient/Observation.rs");
    const smart = client(tokens, { now: clock.now });
    clock.t += 400_000;
    expect(await smart.getToken().catch((e) => recordError(e))).toMatchObject({ code: "reauthorization_required" });
    expect(await smart.refresh().catch((e) => recordError(e))).toMatchObject({ code: "reauthorization_required" });
  });

  it("restore after a restart keeps the persisted expires_at, never re-dated (Token Storage)", async () => {
    const clock = new Clock();
    const store = new InMemoryTokenStore();
    const tokens = await login();
    await client(tokens, { tokenStore: store, storeKey: "smart:r", now: clock.now }).getToken();
    const persisted = await store.get("smart:r");
    clock.t += 100_000;
    const restored = await SmartClient.restore({
      smartConfig: server.config,
      clientId: "my-app",
      fhirBaseUrl: server.FHIR,
      tokenStore: store,
      storeKey: "smart:r",
      fetch: server.fetch,
      now: clock.now,
    });
    expect(restored?.token?.expires_at).toBe(persisted?.expires_at);
    expect(restored?.patientId).toBe("123");
    expect(restored?.fhirUser).toContain("Practitioner/practitioner-1");
    expect(await restored!.getAccessToken()).toBe(tokens.access_token);
    clock.t += 200_000;
    expect(await restored!.getAccessToken()).not.toBe(tokens.access_token);
    expect(
      await SmartClient.restore({
        smartConfig: server.config,
        clientId: "my-app",
        fhirBaseUrl: server.FHIR,
        tokenStore: store,
        storeKey: "smart:none",
      }),
    ).toBeUndefined();
  });

  it("401 from FHIR: one refresh and one retry through createAuthorizedFetch (E20)", async () => {
    const smart = client(await login());
    const authorizedFetch = createAuthorizedFetch(smart, { fetch: server.fetch });
    expect((await authorizedFetch(`${server.FHIR}/Patient/123`)).status).toBe(200);
    server.revoked.push(smart.token!.access_token);
    const response = await authorizedFetch(`${server.FHIR}/Patient/123`);
    expect(response.status).toBe(200);
    expect(server.tokenRequests().filter((r) => r.form.get("grant_type") === "refresh_token")).toHaveLength(1);
    expect((await smart.fetch(`${server.FHIR}/Patient/123`)).status).toBe(200);
  });

  it("a refreshed id_token that fails verification keeps the identity verified at login", async () => {
    server.state.refreshIdToken = true;
    const smart = client(await login());
    const before = smart.token!.id_token;
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT({ fhirUser: "Patient/evil" })
      .setProtectedHeader({ alg: "RS256", kid: server.kid })
      .setIssuer(server.issuer)
      .setSubject("user-1")
      .setAudience("my-app")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    server.next.push(
      () =>
        new Response(
          JSON.stringify({ access_token: "at-next-aaaaaa", token_type: "bearer", expires_in: 300, id_token: forged }),
          { headers: { "content-type": "application/json" } },
        ),
    );
    await smart.refresh();
    expect(smart.token!.access_token).toBe("at-next-aaaaaa");
    expect(smart.token!.id_token).toBe(before);
    expect(smart.fhirUser).toContain("Practitioner/practitioner-1");
    await smart.refresh(); // a valid refreshed id_token (same sub) is accepted
    expect(smart.token!.id_token).not.toBe(before);
    expect(smart.fhirUser).toContain("Practitioner/practitioner-1");
  });

  it("introspection: active with scope compared as a set, then active:false after revocation (checklist 8, E22)", async () => {
    const tokens = await login();
    const smart = client(tokens);
    const active = await smart.introspect();
    expect(active.active).toBe(true);
    expect(active.scope).not.toBe(tokens.scope);
    expect(active.scopes.covers(tokens.scope!) && smart.scopes.covers(active.scopes)).toBe(true);
    expect(active.patient).toBe("123");
    await revokeToken({
      smartConfig: server.config,
      clientId: "my-app",
      token: tokens.access_token,
      fetch: server.fetch,
    });
    const inactive = await introspectToken({
      smartConfig: server.config,
      clientId: "my-app",
      token: tokens.access_token,
      fetch: server.fetch,
    });
    expect(inactive).toMatchObject({ active: false });
    expect(inactive.scopes.scopes).toHaveLength(0);
  });

  it("introspection with a bearer token for a protected endpoint (checklist 8.2)", async () => {
    server.state.introspectionBearer = "bearer-for-introspection";
    recordSecret("bearer-for-introspection");
    const tokens = await login();
    const refused = await introspectToken({
      smartConfig: server.config,
      clientId: "my-app",
      token: tokens.access_token,
      fetch: server.fetch,
    }).catch((e) => recordError(e));
    expect(refused).toMatchObject({ code: "introspection_error", status: 401 });
    const ok = await introspectToken({
      smartConfig: server.config,
      clientId: "my-app",
      token: tokens.access_token,
      fetch: server.fetch,
      bearerToken: "bearer-for-introspection",
    });
    expect(ok.active).toBe(true);
    expect(server.requests.at(-1)!.headers.get("authorization")).toBe("Bearer bearer-for-introspection");
  });

  it("logout revokes refresh and access tokens and clears the store; servers without revocation are unsupported", async () => {
    const store = new InMemoryTokenStore();
    const tokens = await login();
    const smart = client(tokens, { tokenStore: store, storeKey: "smart:bye" });
    await smart.logout();
    expect(server.revoked).toEqual([tokens.refresh_token, tokens.access_token]);
    expect(await store.get("smart:bye")).toBeUndefined();
    const noRevoke = { ...server.config, revocation_endpoint: undefined, introspection_endpoint: undefined };
    expect(
      await revokeToken({ smartConfig: noRevoke, clientId: "my-app", token: "x", fetch: server.fetch }).catch((e) =>
        recordError(e),
      ),
    ).toMatchObject({ code: "unsupported_by_server" });
    expect(
      await introspectToken({ smartConfig: noRevoke, clientId: "my-app", token: "x", fetch: server.fetch }).catch((e) =>
        recordError(e),
      ),
    ).toMatchObject({ code: "unsupported_by_server" });
    const local = client(await login(), { smartConfig: noRevoke });
    await local.logout();
    expect(local.token).toBeUndefined();
  });

  it("misuse throws TypeErrors that say what to pass", async () => {
    const tokens = await login();
    expect(() => new SmartClient({ smartConfig: server.config, clientId: "my-app", tokens })).toThrow(/fhirBaseUrl/);
    expect(() => client(tokens, { tokenStore: new InMemoryTokenStore() })).toThrow(/storeKey/);
    expect(() => client({ ...tokens, access_token: "" })).toThrow(/access_token/);
    expect(() => client(tokens, { clientId: "" })).toThrow(/clientId/);
    await expect(
      SmartClient.restore({ smartConfig: server.config, clientId: "my-app", storeKey: "k" } as never),
    ).rejects.toThrow(/tokenStore/);
  });
});

checkNoLeaksAfterAll();
