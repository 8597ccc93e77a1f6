import * as oauth from "oauth4webapi";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../src/index.js";
import { authorizeUrl, discover, insecure, publicLogin, REDIRECT_URI, tokenPost } from "./helpers.js";

let sandbox: Sandbox;
let as: oauth.AuthorizationServer;
const SCOPE = "launch/patient openid fhirUser patient/Observation.rs offline_access";

beforeAll(async () => {
  sandbox = await startSandbox({ clients: [{ clientId: "app", redirectUris: [REDIRECT_URI] }] });
  as = await discover(sandbox);
});
afterAll(() => sandbox.close());
afterEach(() => {
  sandbox.faults.reset();
  sandbox.stats.reset();
});

const login = (scope = SCOPE) => publicLogin(sandbox, as, "app", scope);
const refresh = (refreshToken: string) =>
  tokenPost(sandbox, { grant_type: "refresh_token", refresh_token: refreshToken, client_id: "app" });

describe("fault switches", () => {
  it("delayTokenMs delays every token response", async () => {
    const { refresh_token } = await login();
    sandbox.faults.delayTokenMs(250);
    const start = performance.now();
    expect((await refresh(refresh_token!)).status).toBe(200);
    expect(performance.now() - start).toBeGreaterThanOrEqual(240);
  });

  it("failTokenRequests(n) fails the next n with an OAuth JSON body, then recovers", async () => {
    const { refresh_token } = await login();
    sandbox.faults.failTokenRequests(2);
    const first = await refresh(refresh_token!);
    expect(first.status).toBe(503);
    expect(first.body.error).toBe("temporarily_unavailable");
    expect((await refresh(refresh_token!)).status).toBe(503);
    expect((await refresh(refresh_token!)).status).toBe(200);
    sandbox.faults.failTokenRequests(1, 500);
    const res = await refresh("anything");
    expect(res).toMatchObject({ status: 500, body: { error: "server_error" } });
  });

  it("failTokenRequestsWithHtml(n) answers an HTML page (E8)", async () => {
    sandbox.faults.failTokenRequestsWithHtml(1);
    const res = await refresh("anything");
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.text).toContain("<html>");
    sandbox.faults.failTokenRequestsWithHtml(1, 504);
    expect((await refresh("anything")).status).toBe(504);
  });

  it("resetConnections(n) destroys the socket with no response", async () => {
    sandbox.faults.resetConnections(1);
    await expect(refresh("anything")).rejects.toThrow();
    expect(sandbox.stats.tokenRequests).toBe(1);
    expect(sandbox.stats.tokenRequestsByGrant.refresh_token).toBe(1);
    expect((await refresh("anything")).status).toBe(400);
  });

  it("invalidGrantOnNextRefresh refuses only the next refresh", async () => {
    const first = await login();
    sandbox.faults.invalidGrantOnNextRefresh();
    const res = await refresh(first.refresh_token!);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid_grant");
    const second = await login();
    expect((await refresh(second.refresh_token!)).status).toBe(200);
  });

  it("delayRefreshMs holds refresh responses only, after the refresh token was spent (issue 14: an endpoint slower than the lease)", async () => {
    const { refresh_token } = await login();
    sandbox.faults.delayRefreshMs(300);
    const started = performance.now();
    const pending = refresh(refresh_token!);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // while the first answer is held, the refresh token it presented is already spent: presenting it again is reuse
    const reuse = await refresh(refresh_token!);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe("invalid_grant");
    const first = await pending;
    expect(first.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    // a login (authorization_code) is not delayed
    const loginStarted = performance.now();
    await login();
    expect(performance.now() - loginStarted).toBeLessThan(290);
    expect(() => sandbox.faults.delayRefreshMs(-1)).toThrow(TypeError);
  });

  it("refresh tokens rotate, and a rotated one presented again revokes the whole grant (reuse detection, RFC 9700 4.14.2)", async () => {
    const first = await login();
    const rotated = await refresh(first.refresh_token!);
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).toBeTypeOf("string");
    expect(rotated.body.refresh_token).not.toBe(first.refresh_token);
    expect(sandbox.stats.grantsRevokedByReuse).toBe(0);
    const reuse = await refresh(first.refresh_token!);
    expect(reuse).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect(sandbox.stats.grantsRevokedByReuse).toBe(1);
    // the grant is gone: the rotated refresh token and the access token of the grant are dead too
    expect((await refresh(rotated.body.refresh_token as string)).status).toBe(400);
    const fhir = await fetch(`${sandbox.fhirBaseUrl}/Patient/patient-1`, {
      headers: { authorization: `Bearer ${rotated.body.access_token as string}` },
    });
    expect(fhir.status).toBe(401);
    // an unknown refresh token is refused without counting as reuse
    expect((await refresh("never-issued")).status).toBe(400);
    expect(sandbox.stats.grantsRevokedByReuse).toBe(1);
    sandbox.stats.reset();
    expect(sandbox.stats.grantsRevokedByReuse).toBe(0);
  });

  it("narrowScope grants requested ∩ narrow scope (E1)", async () => {
    sandbox.faults.narrowScope("launch/patient patient/Observation.rs");
    const tokens = await login();
    expect(tokens.scope).toBe("launch/patient patient/Observation.rs");
    expect(tokens.refresh_token).toBeUndefined();
    sandbox.faults.narrowScope(undefined);
    expect((await login()).scope?.split(" ")).toHaveLength(5);
  });

  it("omitScopeInTokenResponse leaves scope out (E1)", async () => {
    sandbox.faults.omitScopeInTokenResponse(true);
    const res = await refresh((await loginRaw()).refresh_token);
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty("scope");
  });

  it("omitExpiresIn and expiresInAsString (E2, E23)", async () => {
    sandbox.faults.omitExpiresIn(true);
    const a = await refresh((await loginRaw()).refresh_token);
    expect(a.body).not.toHaveProperty("expires_in");
    sandbox.faults.omitExpiresIn(false);
    sandbox.faults.expiresInAsString(true);
    const b = await refresh(a.body.refresh_token);
    expect(b.body.expires_in).toBe("300");
  });

  it("tokenType overrides token_type (E13)", async () => {
    sandbox.faults.tokenType("bearer");
    const res = await refresh((await loginRaw()).refresh_token);
    expect(res.body.token_type).toBe("bearer");
    sandbox.faults.tokenType(undefined);
    expect((await refresh(res.body.refresh_token)).body.token_type).toBe("Bearer");
  });

  it("denyNextAuthorization redirects with ?error=&state= once (E9)", async () => {
    sandbox.faults.denyNextAuthorization();
    const { url, state } = await authorizeUrl(sandbox, { clientId: "app", scope: SCOPE });
    const redirect = await sandbox.authorize(url);
    expect(redirect.searchParams.get("error")).toBe("access_denied");
    expect(redirect.searchParams.get("state")).toBe(state);
    sandbox.faults.denyNextAuthorization("temporarily_unavailable");
    const again = await authorizeUrl(sandbox, { clientId: "app", scope: SCOPE });
    expect((await sandbox.authorize(again.url)).searchParams.get("error")).toBe("temporarily_unavailable");
    const ok = await authorizeUrl(sandbox, { clientId: "app", scope: SCOPE });
    expect((await sandbox.authorize(ok.url)).searchParams.get("code")).toBeTruthy();
  });

  it("setAccessTokenLifetime applies to tokens issued from now on", async () => {
    sandbox.faults.setAccessTokenLifetime(42);
    expect((await login()).expires_in).toBe(42);
    sandbox.faults.reset();
    expect((await login()).expires_in).toBe(300);
  });

  it("reset turns every switch off", async () => {
    const f = sandbox.faults;
    f.delayTokenMs(5);
    f.failTokenRequests(3);
    f.failTokenRequestsWithHtml(3);
    f.resetConnections(3);
    f.invalidGrantOnNextRefresh();
    f.narrowScope("openid");
    f.omitScopeInTokenResponse(true);
    f.omitExpiresIn(true);
    f.expiresInAsString(true);
    f.tokenType("bearer");
    f.denyNextAuthorization();
    f.reset();
    const tokens = await login();
    expect(tokens.scope?.split(" ")).toHaveLength(5);
    const res = await refresh(tokens.refresh_token!);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: "Bearer", expires_in: 300 });
  });

  it("switches refuse wrong arguments with a TypeError", () => {
    expect(() => sandbox.faults.delayTokenMs(-1)).toThrow(TypeError);
    expect(() => sandbox.faults.failTokenRequests(1, 200)).toThrow(TypeError);
    expect(() => sandbox.faults.setAccessTokenLifetime(0)).toThrow(TypeError);
    expect(() => sandbox.faults.tokenType("")).toThrow(TypeError);
    expect(() => sandbox.faults.denyNextAuthorization('bad"error')).toThrow(TypeError);
  });
});

describe("stats", () => {
  it("counts token requests by grant, failures included, and tokens issued", async () => {
    const tokens = await login();
    sandbox.faults.failTokenRequests(1);
    await refresh(tokens.refresh_token!);
    await refresh(tokens.refresh_token!);
    await refresh("unknown");
    expect(sandbox.stats).toMatchObject({
      tokenRequests: 4,
      tokenRequestsByGrant: { authorization_code: 1, refresh_token: 3 },
      tokensIssued: 2,
    });
    sandbox.stats.reset();
    expect(sandbox.stats.tokenRequests).toBe(0);
    expect(sandbox.stats.tokenRequestsByGrant).toEqual({});
  });

  it("counts introspections and revocations", async () => {
    const tokens = await login();
    const client = { client_id: "app" };
    await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, oauth.None(), tokens.access_token, insecure),
    );
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, oauth.None(), tokens.access_token, insecure),
    );
    expect(sandbox.stats.introspections).toBe(1);
    expect(sandbox.stats.revocations).toBe(1);
  });
});

async function loginRaw(): Promise<{ refresh_token: string }> {
  const tokens = await login();
  return { refresh_token: tokens.refresh_token! };
}
