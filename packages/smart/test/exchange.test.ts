import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import {
  buildAuthorizeUrl,
  codeChallengeS256,
  exchangeCode,
  generateCodeVerifier,
  generateNonce,
  generateState,
  SmartAuthError,
} from "../src/index.js";
import { createFakeServer, type FakeServer } from "./support/fake-smart-server.js";
import { checkNoLeaksAfterAll, recordError, recordSecret } from "./support/provoked-errors.js";

let server: FakeServer;
beforeEach(async () => {
  server = await createFakeServer();
});

async function authorize(
  scope = "launch/patient openid fhirUser patient/Observation.rs offline_access",
  nonce?: string,
) {
  const codeVerifier = generateCodeVerifier();
  const url = buildAuthorizeUrl({
    smartConfig: server.config,
    clientId: "my-app",
    redirectUri: "https://app.example.com/callback",
    scope,
    state: generateState(),
    codeChallenge: await codeChallengeS256(codeVerifier),
    aud: server.FHIR,
    ...(nonce ? { nonce } : {}),
  });
  const redirect = server.authorize(url, { patient: 123, need_patient_banner: "true", fhirContext: ["Observation/1"] });
  return { code: redirect.searchParams.get("code")!, codeVerifier };
}

const common = () => ({
  smartConfig: server.config,
  clientId: "my-app",
  redirectUri: "https://app.example.com/callback",
  fetch: server.fetch,
});

describe("exchangeCode (checklist 2.35-2.43)", () => {
  it("public client: client_id in the body, no Authorization header, PKCE verifier and redirect_uri sent (checklist 2.36-2.40)", async () => {
    const { code, codeVerifier } = await authorize();
    const before = Date.now();
    const tokens = await exchangeCode({ ...common(), code, codeVerifier });
    const req = server.tokenRequests()[0]!;
    expect(req.headers.get("content-type")).toMatch(/application\/x-www-form-urlencoded/);
    expect(req.form.get("grant_type")).toBe("authorization_code");
    expect(req.form.get("client_id")).toBe("my-app");
    expect(req.form.get("code_verifier")).toBe(codeVerifier);
    expect(req.form.get("redirect_uri")).toBe("https://app.example.com/callback");
    expect(req.headers.has("authorization")).toBe(false);
    expect(tokens.token_type).toBe("Bearer");
    expect(tokens.expires_at).toBeGreaterThanOrEqual(before + 300_000);
    // E14: numbers and strings normalised
    expect(tokens.patient).toBe("123");
    expect(tokens.need_patient_banner).toBe(true);
    expect(tokens.fhirContext).toEqual([{ reference: "Observation/1" }]);
  });

  it("confidential symmetric: Basic with the raw id:secret by default, client_id omitted from the body (checklist 6.2, E16)", async () => {
    const { code, codeVerifier } = await authorize();
    recordSecret("s3cr-t:+%");
    await exchangeCode({ ...common(), code, codeVerifier, clientSecret: "s3cr-t:+%" });
    const req = server.tokenRequests()[0]!;
    expect(req.headers.get("authorization")).toBe(`Basic ${Buffer.from("my-app:s3cr-t:+%").toString("base64")}`);
    expect(req.form.has("client_id")).toBe(false);
  });

  it("confidential symmetric with client_secret_post (checklist 6.3)", async () => {
    const { code, codeVerifier } = await authorize();
    await exchangeCode({
      ...common(),
      code,
      codeVerifier,
      clientAuth: { method: "client_secret_post", clientSecret: "s3cret" },
    });
    const req = server.tokenRequests()[0]!;
    expect(req.form.get("client_secret")).toBe("s3cret");
    expect(req.form.get("client_id")).toBe("my-app");
    expect(req.headers.has("authorization")).toBe(false);
  });

  for (const alg of ["RS384", "ES384"] as const) {
    it(`confidential asymmetric ${alg}: a SMART client assertion (checklist 5.10-5.12, E7)`, async () => {
      const { privateKey } = await generateKeyPair(alg);
      const { code, codeVerifier } = await authorize();
      await exchangeCode({ ...common(), code, codeVerifier, privateKey, alg, kid: "k1" });
      const req = server.tokenRequests()[0]!;
      expect(req.form.get("client_assertion_type")).toBe("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
      const assertion = req.form.get("client_assertion")!;
      expect(decodeProtectedHeader(assertion)).toMatchObject({ alg, kid: "k1", typ: "JWT" });
      const claims = decodeJwt(assertion);
      expect(claims).toMatchObject({ iss: "my-app", sub: "my-app", aud: server.config.token_endpoint });
      expect(claims.exp! - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(300);
      expect(typeof claims.jti).toBe("string");
    });
  }

  it("a private JWK works as privateKey too", async () => {
    const { privateKey } = await generateKeyPair("ES384", { extractable: true });
    const jwk = await exportJWK(privateKey);
    const { code, codeVerifier } = await authorize();
    await exchangeCode({ ...common(), code, codeVerifier, privateKey: jwk, alg: "ES384" });
    expect(server.tokenRequests()[0]!.form.has("client_assertion")).toBe(true);
  });

  it("verifies the id_token with the nonce (checklist 7.1)", async () => {
    const nonce = generateNonce();
    const { code, codeVerifier } = await authorize("openid fhirUser", nonce);
    const tokens = await exchangeCode({ ...common(), code, codeVerifier, nonce });
    expect(typeof tokens.id_token).toBe("string");
    const other = await authorize("openid fhirUser", nonce);
    const error = await exchangeCode({ ...common(), ...other, nonce: "another-nonce" }).catch((e) => recordError(e));
    expect(error).toMatchObject({ code: "invalid_id_token" });
  });

  it("a wrong PKCE verifier is a token endpoint invalid_grant, with RFC 6749 fields (checklist 2.39, E8)", async () => {
    const { code } = await authorize();
    const error = await exchangeCode({ ...common(), code, codeVerifier: generateCodeVerifier() }).catch((e) =>
      recordError(e),
    );
    expect(error).toBeInstanceOf(SmartAuthError);
    expect(error).toMatchObject({
      code: "token_endpoint_error",
      error: "invalid_grant",
      errorDescription: "PKCE verification failed",
      status: 400,
    });
  });

  it("a code is never replayed: one request even on a 503 (E9)", async () => {
    const { code, codeVerifier } = await authorize();
    server.next.push(
      () =>
        new Response(JSON.stringify({ error: "temporarily_unavailable" }), {
          status: 503,
          headers: { "content-type": "application/json" },
        }),
    );
    const error = await exchangeCode({ ...common(), code, codeVerifier }).catch((e) => recordError(e));
    expect(error).toMatchObject({ code: "token_endpoint_error", status: 503, retryable: true });
    expect(server.tokenRequests()).toHaveLength(1);
    await exchangeCode({ ...common(), code, codeVerifier });
    const replay = await exchangeCode({ ...common(), code, codeVerifier }).catch((e) => recordError(e));
    expect(replay).toMatchObject({ error: "invalid_grant" });
  });

  it("401 invalid_client and HTML error pages are parsed leniently (E8)", async () => {
    const { code, codeVerifier } = await authorize();
    server.next.push(
      () =>
        new Response(JSON.stringify({ error: "invalid_client" }), {
          status: 401,
          headers: { "www-authenticate": "Basic" },
        }),
    );
    expect(
      await exchangeCode({ ...common(), code, codeVerifier, clientSecret: "x" }).catch((e) => recordError(e)),
    ).toMatchObject({ error: "invalid_client", status: 401 });
    server.next.push(
      () => new Response("<html>Bad gateway</html>", { status: 502, headers: { "content-type": "text/html" } }),
    );
    const html = await exchangeCode({ ...common(), code, codeVerifier }).catch((e) => recordError(e));
    expect(html).toMatchObject({ code: "token_endpoint_error", status: 502, error: undefined });
  });

  it("misuse is a TypeError naming the missing option", async () => {
    await expect(exchangeCode({ ...common(), code: "", codeVerifier: "v" })).rejects.toThrow(/code/);
    await expect(exchangeCode({ ...common(), smartConfig: {} as never, code: "c", codeVerifier: "v" })).rejects.toThrow(
      /smartConfig/,
    );
    await expect(
      exchangeCode({ ...common(), code: "c", codeVerifier: "v", privateKey: {} as JsonWebKey }),
    ).rejects.toThrow(/alg/);
  });
});

checkNoLeaksAfterAll();
