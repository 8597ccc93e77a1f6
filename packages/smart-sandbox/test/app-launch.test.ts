import { createRemoteJWKSet, jwtVerify } from "jose";
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, type Sandbox, SandboxError, startSandbox } from "../src/index.js";
import {
  authorizeUrl,
  discover,
  fhirGet,
  insecure,
  type KeyPair,
  keyPair,
  REDIRECT_URI,
  smartPrivateKeyJwt,
  tokenPost,
} from "./helpers.js";

let sandbox: Sandbox;
let as: oauth.AuthorizationServer;
let rsKey: KeyPair;
let esKey: KeyPair;
const SECRET = "s3cr3t-value-with-dash";
const refused: string[] = [];

beforeAll(async () => {
  [rsKey, esKey] = await Promise.all([keyPair("RS384", "rs-1"), keyPair("ES384", "es-1")]);
  sandbox = await startSandbox({
    logger: (line) => refused.push(line),
    clients: [
      { clientId: "public-app", redirectUris: [REDIRECT_URI] },
      { clientId: "basic-app", clientSecret: SECRET, redirectUris: [REDIRECT_URI] },
      {
        clientId: "post-app",
        clientSecret: SECRET,
        tokenEndpointAuthMethod: "client_secret_post",
        redirectUris: [REDIRECT_URI],
      },
      { clientId: "rs-app", jwks: { keys: [rsKey.publicJwk] }, redirectUris: [REDIRECT_URI] },
      { clientId: "es-app", jwks: { keys: [esKey.publicJwk] }, redirectUris: [REDIRECT_URI] },
    ],
  });
  as = await discover(sandbox);
});
afterAll(() => sandbox.close());

const SCOPE = "launch/patient openid fhirUser patient/Observation.rs offline_access";

async function codeFlow(clientId: string, auth: oauth.ClientAuth, scope = SCOPE, launch?: string) {
  const client = { client_id: clientId };
  const { url, codeVerifier, state } = await authorizeUrl(sandbox, { clientId, scope, launch });
  const redirect = await sandbox.authorize(url);
  const params = oauth.validateAuthResponse(as, client, redirect, state);
  const res = await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT_URI, codeVerifier, insecure);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, res);
  return { tokens, client, codeVerifier, params };
}

describe("authorization code grant: each client authentication method (checklist 2.40-2.42)", () => {
  it("public client (none) gets tokens, launch context and a refresh token", async () => {
    const { tokens } = await codeFlow("public-app", oauth.None());
    expect(tokens.token_type).toBe("bearer");
    expect(tokens.scope?.split(" ").sort()).toEqual(SCOPE.split(" ").sort());
    expect(tokens.patient).toBe(FIXTURES.patient);
    expect(tokens.need_patient_banner).toBe(true);
    expect(tokens.smart_style_url).toBe(`${sandbox.url}/smart-style.json`);
    expect(tokens.refresh_token).toBeTypeOf("string");
    expect(tokens.expires_in).toBe(300);
  });

  it("client_secret_basic", async () => {
    const { tokens } = await codeFlow("basic-app", oauth.ClientSecretBasic(SECRET));
    expect(tokens.access_token).toBeTypeOf("string");
  });

  it("client_secret_basic with the raw id:secret form (E16)", async () => {
    const client = { client_id: "basic-app" };
    const { url, codeVerifier, state } = await authorizeUrl(sandbox, { clientId: "basic-app", scope: SCOPE });
    const params = oauth.validateAuthResponse(as, client, await sandbox.authorize(url), state);
    const res = await tokenPost(
      sandbox,
      {
        grant_type: "authorization_code",
        code: params.get("code")!,
        redirect_uri: REDIRECT_URI,
        code_verifier: codeVerifier,
      },
      { authorization: `Basic ${btoa(`basic-app:${SECRET}`)}` },
    );
    expect(res.status).toBe(200);
  });

  it("client_secret_post", async () => {
    const { tokens } = await codeFlow("post-app", oauth.ClientSecretPost(SECRET));
    expect(tokens.access_token).toBeTypeOf("string");
  });

  it("private_key_jwt RS384 (checklist 5.x, E7)", async () => {
    const { tokens } = await codeFlow("rs-app", smartPrivateKeyJwt(sandbox, rsKey));
    expect(tokens.access_token).toBeTypeOf("string");
  });

  it("private_key_jwt ES384", async () => {
    const { tokens } = await codeFlow("es-app", smartPrivateKeyJwt(sandbox, esKey));
    expect(tokens.access_token).toBeTypeOf("string");
  });

  it("a wrong client secret is refused: 401 invalid_client with a Basic challenge (E8)", async () => {
    const err = (await codeFlow("basic-app", oauth.ClientSecretBasic("wrong")).catch((e: unknown) => e)) as {
      status: number;
      cause: Array<{ scheme: string; parameters: { error: string } }>;
    };
    expect(err.status).toBe(401);
    expect(err.cause[0]).toMatchObject({ scheme: "basic", parameters: { error: "invalid_client" } });
  });
});

describe("authorization request and response (checklist 2.20-2.34)", () => {
  it("authorize via POST form (authorize-post)", async () => {
    const client = { client_id: "public-app" };
    const { url, codeVerifier, state } = await authorizeUrl(sandbox, { clientId: "public-app", scope: SCOPE });
    const body = new URLSearchParams(url.searchParams);
    const redirect = await sandbox.authorize(sandbox.authorizationEndpoint, { method: "POST", body });
    const params = oauth.validateAuthResponse(as, client, redirect, state);
    const res = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      REDIRECT_URI,
      codeVerifier,
      insecure,
    );
    expect((await oauth.processAuthorizationCodeResponse(as, client, res)).patient).toBe(FIXTURES.patient);
  });

  it("echoes state and iss (RFC 9207) on the redirect", async () => {
    const { url, state } = await authorizeUrl(sandbox, { clientId: "public-app", scope: SCOPE });
    const redirect = await sandbox.authorize(url);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get("state")).toBe(state);
    expect(redirect.searchParams.get("iss")).toBe(sandbox.issuer);
    expect(redirect.searchParams.get("code")).toBeTruthy();
  });

  it("refuses an unregistered redirect_uri with an error page, not a redirect (checklist 2.22)", async () => {
    const { url } = await authorizeUrl(sandbox, {
      clientId: "public-app",
      scope: SCOPE,
      redirectUri: "http://127.0.0.1:1/evil",
    });
    const err = await sandbox.authorize(url).catch((e: unknown) => e);
    expect(SandboxError.is(err)).toBe(true);
    expect(err).toMatchObject({ code: "sandbox_authorize_failed", status: 400, error: "invalid_redirect_uri" });
  });

  it("refuses a wrong aud (checklist 2.26, E6)", async () => {
    const { url, state } = await authorizeUrl(sandbox, {
      clientId: "public-app",
      scope: SCOPE,
      aud: `${sandbox.fhirBaseUrl}/`,
    });
    const redirect = await sandbox.authorize(url);
    expect(redirect.searchParams.get("error")).toBe("invalid_target");
    expect(redirect.searchParams.get("state")).toBe(state);
  });

  it("refuses a missing aud", async () => {
    const { url } = await authorizeUrl(sandbox, { clientId: "public-app", scope: SCOPE, aud: null });
    const redirect = await sandbox.authorize(url);
    expect(redirect.searchParams.get("error")).toBe("invalid_request");
  });

  it("refuses a request without PKCE and with method plain (checklist 2.9, E11)", async () => {
    const { url } = await authorizeUrl(sandbox, { clientId: "basic-app", scope: SCOPE });
    url.searchParams.delete("code_challenge");
    url.searchParams.delete("code_challenge_method");
    expect((await sandbox.authorize(url)).searchParams.get("error")).toBe("invalid_request");
    const plain = await authorizeUrl(sandbox, { clientId: "public-app", scope: SCOPE });
    plain.url.searchParams.set("code_challenge", plain.codeVerifier);
    plain.url.searchParams.set("code_challenge_method", "plain");
    expect((await sandbox.authorize(plain.url)).searchParams.get("error")).toBe("invalid_request");
  });

  it("refuses an unknown launch id", async () => {
    const { url } = await authorizeUrl(sandbox, { clientId: "public-app", scope: "launch openid", launch: "nope" });
    expect((await sandbox.authorize(url)).searchParams.get("error")).toBe("invalid_request");
  });

  it("authorize() refuses a URL outside the sandbox", async () => {
    await expect(sandbox.authorize("http://127.0.0.1:1/authorize")).rejects.toBeInstanceOf(TypeError);
  });
});

describe("token request refusals (checklist 2.39, E9)", () => {
  it("refuses a wrong PKCE verifier", async () => {
    const client = { client_id: "public-app" };
    const { url, state } = await authorizeUrl(sandbox, { clientId: "public-app", scope: SCOPE });
    const params = oauth.validateAuthResponse(as, client, await sandbox.authorize(url), state);
    const res = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      REDIRECT_URI,
      oauth.generateRandomCodeVerifier(),
      insecure,
    );
    await expect(oauth.processAuthorizationCodeResponse(as, client, res)).rejects.toMatchObject({
      error: "invalid_grant",
    });
  });

  it("refuses a replayed code", async () => {
    const { client, params, codeVerifier } = await codeFlow("public-app", oauth.None());
    const again = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      REDIRECT_URI,
      codeVerifier,
      insecure,
    );
    await expect(oauth.processAuthorizationCodeResponse(as, client, again)).rejects.toMatchObject({
      error: "invalid_grant",
    });
  });

  it("refuses a redirect_uri that differs from the authorization request", async () => {
    const client = { client_id: "public-app" };
    const { url, state, codeVerifier } = await authorizeUrl(sandbox, { clientId: "public-app", scope: SCOPE });
    const params = oauth.validateAuthResponse(as, client, await sandbox.authorize(url), state);
    const res = await tokenPost(sandbox, {
      grant_type: "authorization_code",
      client_id: "public-app",
      code: params.get("code")!,
      redirect_uri: "http://127.0.0.1:1/other",
      code_verifier: codeVerifier,
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid_grant");
  });
});

describe("refresh tokens (checklist 2.50+, E3)", () => {
  it("rotate on every refresh; a used refresh token is refused and ends the grant", async () => {
    const { tokens, client } = await codeFlow("public-app", oauth.None());
    const first = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure),
    );
    expect(first.refresh_token).toBeTypeOf("string");
    expect(first.refresh_token).not.toBe(tokens.refresh_token);
    // SMART 2.2 app-launch.html#response-5: the launch context survives the refresh
    expect(first.patient).toBe(FIXTURES.patient);
    expect(first.scope?.split(" ").sort()).toEqual(SCOPE.split(" ").sort());
    const reuse = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure);
    await expect(oauth.processRefreshTokenResponse(as, client, reuse)).rejects.toMatchObject({
      error: "invalid_grant",
    });
    const afterReuse = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first.refresh_token!, insecure);
    await expect(oauth.processRefreshTokenResponse(as, client, afterReuse)).rejects.toMatchObject({
      error: "invalid_grant",
    });
    expect((await fhirGet(sandbox, "Observation", first.access_token)).status).toBe(401);
  });

  it("a confidential client refreshes with its own authentication (private_key_jwt)", async () => {
    const { tokens, client } = await codeFlow("es-app", smartPrivateKeyJwt(sandbox, esKey));
    const res = await oauth.refreshTokenGrantRequest(
      as,
      client,
      smartPrivateKeyJwt(sandbox, esKey),
      tokens.refresh_token!,
      insecure,
    );
    const refreshed = await oauth.processRefreshTokenResponse(as, client, res);
    expect(refreshed.access_token).toBeTypeOf("string");
  });

  it("no refresh token without offline_access; online_access gets one", async () => {
    const { tokens } = await codeFlow("public-app", oauth.None(), "launch/patient patient/Observation.rs");
    expect(tokens.refresh_token).toBeUndefined();
    const online = await codeFlow("public-app", oauth.None(), "launch/patient patient/Observation.rs online_access");
    expect(online.tokens.refresh_token).toBeTypeOf("string");
    expect(online.tokens.scope).toContain("online_access");
  });

  it("a refresh may ask for fewer scopes", async () => {
    const { tokens, client } = await codeFlow("public-app", oauth.None(), `${SCOPE} patient/Condition.rs`);
    const res = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, {
      ...insecure,
      additionalParameters: { scope: "patient/Observation.rs launch/patient offline_access" },
    });
    const refreshed = await oauth.processRefreshTokenResponse(as, client, res);
    expect(refreshed.scope?.split(" ").sort()).toEqual(["launch/patient", "offline_access", "patient/Observation.rs"]);
    expect((await fhirGet(sandbox, "Condition", refreshed.access_token)).status).toBe(403);
  });
});

describe("launch context (checklist 3e/3f)", () => {
  it("EHR launch binds the launch's context (patient, encounter, fhirContext, intent, tenant)", async () => {
    const launch = sandbox.createLaunch({
      patient: "patient-3",
      encounter: "encounter-patient-3",
      fhirContext: [{ reference: "Observation/obs-patient-3-lab", role: "launch" }],
      intent: "reconcile-medications",
      tenant: "tenant-a",
    });
    const { tokens } = await codeFlow("public-app", oauth.None(), "launch openid fhirUser patient/*.rs", launch);
    expect(tokens).toMatchObject({
      patient: "patient-3",
      encounter: "encounter-patient-3",
      fhirContext: [{ reference: "Observation/obs-patient-3-lab", role: "launch" }],
      intent: "reconcile-medications",
      tenant: "tenant-a",
      need_patient_banner: true,
    });
    // a second launch with another context does not inherit the first one
    const other = sandbox.createLaunch({ patient: "patient-4", encounter: undefined });
    const second = await codeFlow("public-app", oauth.None(), "launch patient/*.rs", other);
    expect(second.tokens.patient).toBe("patient-4");
    expect(second.tokens.encounter).toBeUndefined();
  });

  it("ehrLaunchUrl redirects to the app with iss and launch (checklist 2.15)", async () => {
    const href = sandbox.ehrLaunchUrl("http://127.0.0.1:1/launch?x=1", { patient: "patient-2" });
    const res = await fetch(href, { redirect: "manual" });
    expect(res.status).toBe(302);
    const target = new URL(res.headers.get("location")!);
    expect(target.searchParams.get("iss")).toBe(sandbox.fhirBaseUrl);
    expect(target.searchParams.get("x")).toBe("1");
    const launch = target.searchParams.get("launch")!;
    const { tokens } = await codeFlow("public-app", oauth.None(), "launch patient/*.rs", launch);
    expect(tokens.patient).toBe("patient-2");
  });

  it("standalone launch/patient picks the configured patient, launch/encounter the encounter", async () => {
    sandbox.setLaunchContext({ patient: "patient-5", encounter: "encounter-patient-5" });
    try {
      const { tokens } = await codeFlow("public-app", oauth.None(), "launch/patient patient/*.rs");
      expect(tokens.patient).toBe("patient-5");
      expect(tokens.encounter).toBeUndefined();
      const both = await codeFlow("public-app", oauth.None(), "launch/patient launch/encounter patient/*.rs");
      expect(both.tokens.encounter).toBe("encounter-patient-5");
      const none = await codeFlow("public-app", oauth.None(), "user/*.rs");
      expect(none.tokens.patient).toBeUndefined();
    } finally {
      sandbox.setLaunchContext({ patient: FIXTURES.patient, encounter: FIXTURES.encounter });
    }
  });

  it("id_token carries fhirUser when openid fhirUser are granted, signed RS256 (checklist 4.x)", async () => {
    sandbox.setLaunchContext({ fhirUser: "Patient/patient-1" });
    try {
      const { tokens } = await codeFlow("public-app", oauth.None());
      const jwks = createRemoteJWKSet(new URL(sandbox.jwksUri));
      const { payload, protectedHeader } = await jwtVerify(tokens.id_token!, jwks, {
        issuer: sandbox.issuer,
        audience: "public-app",
      });
      expect(protectedHeader.alg).toBe("RS256");
      expect(payload.fhirUser).toBe(`${sandbox.fhirBaseUrl}/Patient/patient-1`);
      const noFhirUser = await codeFlow("public-app", oauth.None(), "openid launch/patient patient/*.rs");
      const { payload: p2 } = await jwtVerify(noFhirUser.tokens.id_token!, jwks);
      expect(p2.fhirUser).toBeUndefined();
    } finally {
      sandbox.setLaunchContext({ fhirUser: `Practitioner/${FIXTURES.practitioner}` });
    }
  });

  it("a client's scope limit caps what it gets", async () => {
    await sandbox.registerClient({
      clientId: "limited-app",
      redirectUris: [REDIRECT_URI],
      scope: "launch/patient patient/Observation.rs",
    });
    const { tokens } = await codeFlow(
      "limited-app",
      oauth.None(),
      "launch/patient openid patient/Observation.rs patient/Condition.rs",
    );
    expect(tokens.scope?.split(" ").sort()).toEqual(["launch/patient", "patient/Observation.rs"]);
  });
});

describe("logger", () => {
  it("reports refused requests without tokens", () => {
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.some((l) => l.includes("invalid_grant"))).toBe(true);
    for (const line of refused) expect(line).not.toContain(SECRET);
  });
});
