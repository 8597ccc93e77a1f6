import { FIXTURES, startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  buildAuthorizeUrl,
  codeChallengeS256,
  createAuthorizedFetch,
  discoverSmartConfiguration,
  exchangeCode,
  generateCodeVerifier,
  generateState,
  InMemoryTokenStore,
  introspectToken,
  revokeToken,
  SmartClient,
  SmartLaunch,
  verifyIdToken,
  type ClientAuthShorthand,
  type SmartConfiguration,
  type SmartLaunchOptions,
  type StoredToken,
} from "../src/index.js";
import { checkNoLeaksAfterAll, recordError, recordSecret } from "./support/provoked-errors.js";

const REDIRECT = "http://127.0.0.1/callback";
const APP_LAUNCH = "http://127.0.0.1/launch";
const SCOPE = "launch/patient openid fhirUser patient/*.rs offline_access";
let sandbox: Sandbox;
let smartConfig: SmartConfiguration;
const rs384 = await generateKeyPair("RS384");
const es384 = await generateKeyPair("ES384");

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  smartConfig = await discoverSmartConfiguration(sandbox.fhirBaseUrl);
  recordSecret("basic-secret-1234", "post-secret-5678");
  await sandbox.registerClient({ clientId: "public-app", redirectUris: [REDIRECT] });
  await sandbox.registerClient({ clientId: "basic-app", clientSecret: "basic-secret-1234", redirectUris: [REDIRECT] });
  await sandbox.registerClient({
    clientId: "post-app",
    clientSecret: "post-secret-5678",
    tokenEndpointAuthMethod: "client_secret_post",
    redirectUris: [REDIRECT],
  });
  await sandbox.registerClient({
    clientId: "rs384-app",
    jwks: { keys: [{ ...(await exportJWK(rs384.publicKey)), kid: "rs-1", alg: "RS384" }] },
    redirectUris: [REDIRECT],
    grantTypes: ["authorization_code", "refresh_token"],
  });
  await sandbox.registerClient({
    clientId: "es384-app",
    jwks: { keys: [{ ...(await exportJWK(es384.publicKey)), kid: "es-1", alg: "ES384" }] },
    redirectUris: [REDIRECT],
    grantTypes: ["authorization_code", "refresh_token"],
  });
});
afterAll(() => sandbox?.close());
beforeEach(() => {
  sandbox.faults.reset();
  sandbox.stats.reset();
});

const CLIENTS: [string, ClientAuthShorthand][] = [
  ["public-app", {}],
  ["basic-app", { clientSecret: "basic-secret-1234" }],
  ["post-app", { clientAuth: { method: "client_secret_post", clientSecret: "post-secret-5678" } }],
  ["rs384-app", { privateKey: rs384.privateKey, alg: "RS384", kid: "rs-1" }],
  ["es384-app", { privateKey: es384.privateKey, alg: "ES384", kid: "es-1" }],
];

const launcher = (clientId = "public-app", extra: Partial<SmartLaunchOptions> = {}) =>
  new SmartLaunch({
    clientId,
    redirectUri: REDIRECT,
    scope: SCOPE,
    trustedIssuers: [sandbox.fhirBaseUrl],
    allowUnboundState: true,
    ...extra,
  });

/** The EHR side: GET the simulator, follow its 302 to the app's launch URL. */
async function ehrLaunchParams(context?: Parameters<Sandbox["createLaunch"]>[0]): Promise<URL> {
  const response = await fetch(sandbox.ehrLaunchUrl(APP_LAUNCH, context), { redirect: "manual" });
  return new URL(response.headers.get("location")!);
}

async function code(clientId: string, scope = SCOPE, launch?: string) {
  const codeVerifier = generateCodeVerifier();
  const url = buildAuthorizeUrl({
    smartConfig,
    clientId,
    redirectUri: REDIRECT,
    scope,
    state: generateState(),
    codeChallenge: await codeChallengeS256(codeVerifier),
    aud: sandbox.fhirBaseUrl,
    ...(launch ? { launch } : {}),
  });
  const redirect = await sandbox.authorize(url);
  return { code: redirect.searchParams.get("code")!, codeVerifier };
}

describe("App Launch against the sandbox (oidc-provider)", () => {
  it("EHR launch end to end: iss + launch → authorize → callback → FHIR read of the launch patient (checklist 2.15-2.17)", async () => {
    const launchUrl = await ehrLaunchParams({
      patient: "patient-2",
      encounter: "encounter-patient-2",
      intent: "reconcile",
      tenant: "t1",
      fhirContext: [{ reference: "Observation/obs-patient-2-lab" }],
    });
    expect(launchUrl.searchParams.get("iss")).toBe(sandbox.fhirBaseUrl);
    const launch = launcher();
    const start = await launch.ehrLaunch(launchUrl);
    const smart = await launch.handleCallback(await sandbox.authorize(start.url));
    expect(smart.patientId).toBe("patient-2");
    expect(smart.encounterId).toBe("encounter-patient-2");
    expect(smart.intent).toBe("reconcile");
    expect(smart.tenant).toBe("t1");
    expect(smart.fhirContext).toEqual([{ reference: "Observation/obs-patient-2-lab" }]);
    expect(smart.fhirUser).toBe(`${sandbox.fhirBaseUrl}/Practitioner/${FIXTURES.practitioner}`);
    const patient = await (await smart.fetch(`${sandbox.fhirBaseUrl}/Patient/patient-2`)).json();
    expect(patient).toMatchObject({ resourceType: "Patient", id: "patient-2" });
  });

  it("standalone launch with launch/patient gets the configured patient (checklist 2.19, 3.17)", async () => {
    const launch = launcher("public-app", { fhirBaseUrl: sandbox.fhirBaseUrl });
    const start = await launch.standaloneLaunch();
    expect(new URL(start.url).searchParams.has("launch")).toBe(false);
    const smart = await launch.handleCallback(await sandbox.authorize(start.url));
    expect(smart.patientId).toBe(FIXTURES.patient);
    expect(smart.needPatientBanner).toBe(true);
    expect(smart.smartStyleUrl).toMatch(/smart-style\.json$/);
  });

  it("authorize-post: the POST form request is accepted by the server (checklist 2.30)", async () => {
    const launch = launcher("public-app", { authorizeMethod: "POST" });
    const start = await launch.ehrLaunch({ iss: sandbox.fhirBaseUrl, launch: sandbox.createLaunch() });
    if (start.method !== "POST") throw new Error("expected POST");
    const redirect = await sandbox.authorize(start.url, { method: "POST", body: new URLSearchParams(start.form) });
    expect((await launch.handleCallback(redirect)).patientId).toBe(FIXTURES.patient);
  });

  for (const [clientId, auth] of CLIENTS) {
    it(`${clientId}: code exchange and refresh with the same client authentication (checklist 2.40-2.42, 2.55)`, async () => {
      const launch = launcher(clientId, auth);
      const start = await launch.ehrLaunch({
        iss: sandbox.fhirBaseUrl,
        launch: sandbox.createLaunch({ patient: "patient-3" }),
      });
      const smart = await launch.handleCallback(await sandbox.authorize(start.url));
      const first = smart.token!;
      const refreshed = await smart.refresh();
      expect(refreshed.access_token).not.toBe(first.access_token);
      expect(refreshed.refresh_token).not.toBe(first.refresh_token); // the sandbox rotates
      expect(smart.patientId).toBe("patient-3");
      expect(sandbox.stats.tokenRequestsByGrant).toMatchObject({ authorization_code: 1, refresh_token: 1 });
      expect((await smart.fetch(`${sandbox.fhirBaseUrl}/Patient/patient-3`)).status).toBe(200);
    });
  }

  it("token expiry → auto-refresh ahead of time; the rotated-away refresh token is dead (E3)", async () => {
    let now = Date.now();
    const tokens = await exchangeCode({
      smartConfig,
      clientId: "public-app",
      redirectUri: REDIRECT,
      ...(await code("public-app")),
    });
    const smart = new SmartClient({ smartConfig, clientId: "public-app", tokens, now: () => now });
    const first = await smart.getAuthorization({ url: `${sandbox.fhirBaseUrl}/Patient`, method: "GET" });
    now += 290_000;
    const second = await smart.getAuthorization({ url: `${sandbox.fhirBaseUrl}/Patient`, method: "GET" });
    expect(second).not.toBe(first);
    expect(sandbox.stats.tokenRequestsByGrant.refresh_token).toBe(1);
    const stale = new SmartClient({ smartConfig, clientId: "public-app", tokens: { ...tokens, expires_at: 0 } });
    expect(await stale.getToken().catch((e) => recordError(e))).toMatchObject({
      code: "reauthorization_required",
      error: "invalid_grant",
    });
  });

  it("invalid_grant on refresh → reauthorization_required and the session cleared from the store (E3)", async () => {
    const store = new InMemoryTokenStore();
    const launch = launcher("basic-app", {
      clientSecret: "basic-secret-1234",
      tokenStore: store,
      storeKey: () => "smart:user-42",
    });
    const start = await launch.standaloneLaunch({ fhirBaseUrl: sandbox.fhirBaseUrl });
    const smart = await launch.handleCallback(await sandbox.authorize(start.url));
    await smart.getToken();
    expect(await store.get("smart:user-42")).toBeDefined();
    sandbox.faults.invalidGrantOnNextRefresh();
    expect(await smart.refresh().catch((e) => recordError(e))).toMatchObject({
      code: "reauthorization_required",
      error: "invalid_grant",
    });
    expect(await store.get("smart:user-42")).toBeUndefined();
  });

  it("parallel launches: several states in flight, each completes with its own context (E12)", async () => {
    const launch = launcher();
    const patients = ["patient-1", "patient-2", "patient-3", "patient-4", "patient-5"];
    const starts = await Promise.all(
      patients.map((patient) =>
        launch.ehrLaunch({ iss: sandbox.fhirBaseUrl, launch: sandbox.createLaunch({ patient }) }),
      ),
    );
    const redirects = await Promise.all(starts.map((s) => sandbox.authorize(s.url)));
    const clients = await Promise.all(redirects.reverse().map((r) => launch.handleCallback(r)));
    expect(clients.map((c) => c.patientId)).toEqual([...patients].reverse());
  });

  it("state missing, wrong or replayed is refused before the code is used (checklist 2.3, E12)", async () => {
    const launch = launcher();
    const start = await launch.ehrLaunch({ iss: sandbox.fhirBaseUrl, launch: sandbox.createLaunch() });
    const redirect = await sandbox.authorize(start.url);
    const missing = new URL(redirect);
    missing.searchParams.delete("state");
    const wrong = new URL(redirect);
    wrong.searchParams.set("state", generateState());
    for (const bad of [missing, wrong])
      expect(await launch.handleCallback(bad).catch((e) => recordError(e))).toMatchObject({ code: "invalid_state" });
    expect(sandbox.stats.tokenRequests).toBe(0);
    await launch.handleCallback(redirect);
    expect(await launch.handleCallback(redirect).catch((e) => recordError(e))).toMatchObject({ code: "invalid_state" });
    expect(sandbox.stats.tokenRequests).toBe(1);
  });

  it("code replay and a PKCE mismatch are invalid_grant from the server (checklist 2.39, E9)", async () => {
    const { code: c, codeVerifier } = await code("public-app");
    const options = { smartConfig, clientId: "public-app", redirectUri: REDIRECT, code: c };
    expect(
      await exchangeCode({ ...options, codeVerifier: generateCodeVerifier() }).catch((e) => recordError(e)),
    ).toMatchObject({ code: "token_endpoint_error", error: "invalid_grant" });
    const fresh = await code("public-app");
    await exchangeCode({ ...options, ...fresh });
    expect(await exchangeCode({ ...options, ...fresh }).catch((e) => recordError(e))).toMatchObject({
      code: "token_endpoint_error",
      error: "invalid_grant",
    });
    expect(codeVerifier).toHaveLength(43);
  });

  it("a denied authorization surfaces as authorization_denied (checklist 2.34, E9)", async () => {
    sandbox.faults.denyNextAuthorization();
    const launch = launcher();
    const start = await launch.ehrLaunch({ iss: sandbox.fhirBaseUrl, launch: sandbox.createLaunch() });
    const error = await launch.handleCallback(await sandbox.authorize(start.url)).catch((e) => recordError(e));
    expect(error).toMatchObject({ code: "authorization_denied", error: "access_denied" });
    expect(sandbox.stats.tokenRequests).toBe(0);
  });

  it("id_token from the sandbox verifies; a token signed locally with the sandbox's kid does not (checklist 7.1)", async () => {
    const tokens = await exchangeCode({
      smartConfig,
      clientId: "public-app",
      redirectUri: REDIRECT,
      ...(await code("public-app")),
    });
    const claims = await verifyIdToken(tokens.id_token!, { smartConfig, clientId: "public-app" });
    expect(claims.iss).toBe(smartConfig.issuer);
    const { privateKey } = await generateKeyPair("RS256");
    const header = JSON.parse(Buffer.from(tokens.id_token!.split(".")[0]!, "base64url").toString());
    const forged = await new SignJWT({ fhirUser: "Practitioner/evil" })
      .setProtectedHeader(header)
      .setIssuer(smartConfig.issuer!)
      .setSubject(claims.sub)
      .setAudience("public-app")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    expect(
      await verifyIdToken(forged, { smartConfig, clientId: "public-app" }).catch((e) => recordError(e)),
    ).toMatchObject({ code: "invalid_id_token" });
    expect(
      await verifyIdToken(tokens.id_token!, { smartConfig, clientId: "other-app" }).catch((e) => recordError(e)),
    ).toMatchObject({ code: "invalid_id_token" });
    expect(
      await verifyIdToken(tokens.id_token!, {
        smartConfig: { ...smartConfig, issuer: `${smartConfig.issuer}/` },
        clientId: "public-app",
      }).catch((e) => recordError(e)),
    ).toMatchObject({ code: "invalid_id_token" });
  });

  it("introspection (scope as a set, E22) and revocation with the client's authentication (checklist 8)", async () => {
    const tokens = await exchangeCode({
      smartConfig,
      clientId: "basic-app",
      redirectUri: REDIRECT,
      clientSecret: "basic-secret-1234",
      ...(await code("basic-app")),
    });
    const auth = { smartConfig, clientId: "basic-app", clientSecret: "basic-secret-1234" };
    const active = await introspectToken({ ...auth, token: tokens.access_token });
    expect(active.active).toBe(true);
    expect(active.client_id).toBe("basic-app");
    expect(active.scopes.covers(tokens.scope!)).toBe(true);
    expect(typeof active.exp).toBe("number");
    await revokeToken({ ...auth, token: tokens.access_token, tokenTypeHint: "access_token" });
    const inactive = await introspectToken({ ...auth, token: tokens.access_token });
    expect(inactive.active).toBe(false);
    expect(sandbox.stats.introspections).toBe(2);
    expect(sandbox.stats.revocations).toBe(1);
  });

  it("restart: restore from the store keeps expires_at and the session works (Token Storage)", async () => {
    const store = new InMemoryTokenStore();
    const tokens = await exchangeCode({
      smartConfig,
      clientId: "public-app",
      redirectUri: REDIRECT,
      ...(await code("public-app")),
    });
    const before = new SmartClient({
      smartConfig,
      clientId: "public-app",
      tokens,
      tokenStore: store,
      storeKey: "smart:restart",
    });
    await before.getToken();
    const restored = (await SmartClient.restore({
      smartConfig,
      clientId: "public-app",
      tokenStore: store,
      storeKey: "smart:restart",
    }))!;
    expect(restored.token?.expires_at).toBe(tokens.expires_at);
    expect(restored.fhirUser).toBe(before.fhirUser);
    expect((await restored.fetch(`${sandbox.fhirBaseUrl}/Patient/${restored.patientId}`)).status).toBe(200);
    expect(sandbox.stats.tokenRequestsByGrant.refresh_token ?? 0).toBe(0);
  });

  it("401 from FHIR → exactly one refresh and one retry via createAuthorizedFetch (E20)", async () => {
    sandbox.faults.setAccessTokenLifetime(1);
    const tokens = await exchangeCode({
      smartConfig,
      clientId: "public-app",
      redirectUri: REDIRECT,
      ...(await code("public-app")),
    });
    const frozen = Date.now();
    // the client's clock stands still: it believes the token fresh while the server has expired it
    const smart = new SmartClient({ smartConfig, clientId: "public-app", tokens, now: () => frozen });
    const authorizedFetch = createAuthorizedFetch(smart);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const response = await authorizedFetch(`${sandbox.fhirBaseUrl}/Patient/${smart.patientId}`);
    expect(response.status).toBe(200);
    expect(sandbox.stats.tokenRequestsByGrant.refresh_token).toBe(1);
  });

  it("non-conformant responses: no scope (E1), no expires_in (E2), token_type bearer (E13)", async () => {
    sandbox.faults.omitScopeInTokenResponse(true);
    sandbox.faults.omitExpiresIn(true);
    sandbox.faults.tokenType("bearer");
    const launch = launcher();
    const start = await launch.ehrLaunch({ iss: sandbox.fhirBaseUrl, launch: sandbox.createLaunch() });
    const smart = await launch.handleCallback(await sandbox.authorize(start.url));
    expect(smart.scopesConfirmed).toBe(false);
    expect(smart.scopes.allows("read", "Patient", "patient")).toBe(true);
    expect(smart.token?.expires_at).toBeUndefined();
    expect(smart.token?.token_type).toBe("Bearer");
    expect(await smart.getAuthorization({ url: `${sandbox.fhirBaseUrl}/Patient`, method: "GET" })).toMatch(/^Bearer /);
  });

  it("a refresh answered 503 is retried (safe), a connection reset is not replayed for refresh tokens", async () => {
    const tokens = await exchangeCode({
      smartConfig,
      clientId: "public-app",
      redirectUri: REDIRECT,
      ...(await code("public-app")),
    });
    const smart = new SmartClient({ smartConfig, clientId: "public-app", tokens });
    sandbox.faults.failTokenRequests(1, 503);
    await smart.refresh();
    expect(sandbox.stats.tokenRequestsByGrant.refresh_token).toBe(2);
    sandbox.faults.resetConnections(1);
    expect(await smart.refresh().catch((e) => recordError(e))).toMatchObject({ code: "network_error" });
    expect(sandbox.stats.tokenRequestsByGrant.refresh_token).toBe(3);
  });

  it("assertions are fresh on every request (E5) and aimed at the token endpoint (E7)", async () => {
    const seen: string[] = [];
    const spy: typeof fetch = async (input, init) => {
      const body = new URLSearchParams(String(init?.body ?? ""));
      if (body.has("client_assertion")) seen.push(body.get("client_assertion")!);
      return fetch(input, init);
    };
    const [, auth] = CLIENTS[4]!;
    const tokens = await exchangeCode({
      smartConfig,
      clientId: "es384-app",
      redirectUri: REDIRECT,
      fetch: spy,
      ...auth,
      ...(await code("es384-app")),
    });
    const smart = new SmartClient({ smartConfig, clientId: "es384-app", tokens, fetch: spy, ...auth });
    await smart.refresh();
    await smart.refresh();
    const claims = seen.map((a) => decodeJwt(a));
    expect(new Set(claims.map((c) => c.jti)).size).toBe(3);
    expect(
      claims.every((c) => c.aud === smartConfig.token_endpoint && c.iss === "es384-app" && c.sub === "es384-app"),
    ).toBe(true);
    const stored: StoredToken | undefined = smart.token;
    expect(stored?.refresh_token).toBeDefined();
  });
});

checkNoLeaksAfterAll();
