/**
 * An in-process fake SMART server behind an injected `fetch` (no sockets), for unit tests of the App
 * Launch code: smart-configuration, token endpoint (authorization_code with PKCE, refresh with
 * rotation), JWKS, introspection and revocation. Every request is recorded; `next` queues canned
 * answers for the token endpoint to simulate odd servers.
 */
import { createHash, randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import type { SmartConfiguration } from "../../src/index.js";
import { recordSecret } from "./provoked-errors.js";

let instances = 0;
// One RSA key per process: generating one per test costs ~100 ms.
const signingKey = generateKeyPair("RS256");

export interface Recorded {
  url: string;
  method: string;
  headers: Headers;
  form: URLSearchParams;
}

interface CodeGrant {
  clientId: string;
  redirectUri: string;
  challenge: string;
  scope: string;
  nonce?: string;
  context: Record<string, unknown>;
}

const b64url = (buf: Buffer) => buf.toString("base64url");

export async function createFakeServer(
  options: { issuer?: string; capabilities?: string[]; accessTokenLifetime?: number } = {},
) {
  const host = `https://ehr-${++instances}.example`;
  const FHIR = `${host}/fhir`;
  const AUTH = `${host}/auth`;
  const { privateKey, publicKey } = await signingKey;
  const kid = "idt-1";
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const issuer = options.issuer ?? AUTH;
  const config: SmartConfiguration = {
    issuer,
    jwks_uri: `${AUTH}/jwks`,
    authorization_endpoint: `${AUTH}/authorize?tenant=t1`,
    token_endpoint: `${AUTH}/token`,
    introspection_endpoint: `${AUTH}/introspect`,
    revocation_endpoint: `${AUTH}/revoke`,
    capabilities: options.capabilities ?? [
      "launch-ehr",
      "launch-standalone",
      "authorize-post",
      "client-public",
      "client-confidential-symmetric",
      "client-confidential-asymmetric",
      "sso-openid-connect",
      "permission-offline",
    ],
    code_challenge_methods_supported: ["S256"],
    grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt"],
    token_endpoint_auth_signing_alg_values_supported: ["RS384", "ES384"],
  };
  const requests: Recorded[] = [];
  const codes = new Map<string, CodeGrant>();
  const refreshTokens = new Map<
    string,
    { clientId: string; scope: string; context: Record<string, unknown>; sub: string }
  >();
  const accessTokens = new Map<
    string,
    { clientId: string; scope: string; exp: number; context: Record<string, unknown> }
  >();
  const revoked: string[] = [];
  const next: Array<() => Response | Promise<Response>> = [];
  const state = {
    lifetime: options.accessTokenLifetime ?? 300,
    fhirUser: "Practitioner/practitioner-1" as string | undefined,
    rotate: true,
    sub: "user-1",
    refreshIdToken: false,
    introspectionBearer: undefined as string | undefined,
  };

  async function idToken(clientId: string, nonce: string | undefined, extra: Record<string, unknown> = {}) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      ...(state.fhirUser ? { fhirUser: state.fhirUser } : {}),
      ...(nonce ? { nonce } : {}),
      ...extra,
    })
      .setProtectedHeader({ alg: "RS256", kid })
      .setIssuer(issuer)
      .setSubject(state.sub)
      .setAudience(clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .setJti(b64url(randomBytes(8)))
      .sign(privateKey);
  }

  function json(body: unknown, status = 200): Response {
    return new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", "cache-control": "no-store" },
    });
  }

  function clientOf(req: Recorded): string | undefined {
    const basic = req.headers.get("authorization");
    if (basic?.startsWith("Basic ")) return Buffer.from(basic.slice(6), "base64").toString().split(":")[0];
    const assertion = req.form.get("client_assertion");
    if (assertion) return JSON.parse(Buffer.from(assertion.split(".")[1]!, "base64url").toString()).iss;
    return req.form.get("client_id") ?? undefined;
  }

  async function issue(
    clientId: string,
    scope: string,
    context: Record<string, unknown>,
    nonce: string | undefined,
    withRefresh: boolean,
    withId: boolean,
  ) {
    const access = `at-${b64url(randomBytes(12))}`;
    accessTokens.set(access, { clientId, scope, exp: Math.floor(Date.now() / 1000) + state.lifetime, context });
    recordSecret(access);
    const body: Record<string, unknown> = {
      access_token: access,
      token_type: "Bearer",
      expires_in: state.lifetime,
      scope,
      ...context,
    };
    if (withRefresh) {
      const refresh = `rt-${b64url(randomBytes(12))}`;
      recordSecret(refresh);
      refreshTokens.set(refresh, { clientId, scope, context, sub: state.sub });
      body.refresh_token = refresh;
    }
    if (withId && scope.split(" ").includes("openid")) body.id_token = await idToken(clientId, nonce);
    return body;
  }

  async function token(req: Recorded): Promise<Response> {
    const queued = next.shift();
    if (queued) return queued();
    const clientId = clientOf(req);
    const grant = req.form.get("grant_type");
    if (grant === "authorization_code") {
      const code = codes.get(req.form.get("code") ?? "");
      codes.delete(req.form.get("code") ?? "");
      if (!code || code.clientId !== clientId || code.redirectUri !== req.form.get("redirect_uri"))
        return json({ error: "invalid_grant" }, 400);
      const verifier = req.form.get("code_verifier") ?? "";
      if (b64url(createHash("sha256").update(verifier).digest()) !== code.challenge)
        return json({ error: "invalid_grant", error_description: "PKCE verification failed" }, 400);
      return json(
        await issue(code.clientId, code.scope, code.context, code.nonce, code.scope.includes("offline_access"), true),
      );
    }
    if (grant === "refresh_token") {
      const rt = req.form.get("refresh_token") ?? "";
      const known = refreshTokens.get(rt);
      if (!known || known.clientId !== clientId)
        return json({ error: "invalid_grant", error_description: "unknown refresh token" }, 400);
      const body = await issue(known.clientId, known.scope, {}, undefined, state.rotate, state.refreshIdToken);
      if (state.rotate) refreshTokens.delete(rt);
      else delete body.refresh_token;
      return json(body);
    }
    return json({ error: "unsupported_grant_type" }, 400);
  }

  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const body = request.method === "POST" ? await request.text() : "";
    const rec: Recorded = {
      url: request.url,
      method: request.method,
      headers: request.headers,
      form: new URLSearchParams(body),
    };
    requests.push(rec);
    for (const name of ["code", "code_verifier", "client_secret", "client_assertion", "refresh_token", "token"])
      recordSecret(rec.form.get(name) ?? undefined);
    recordSecret(request.headers.get("authorization")?.replace(/^(Basic|Bearer) /, ""));
    const url = new URL(request.url);
    const path = `${url.origin}${url.pathname}`;
    if (path === `${FHIR}/.well-known/smart-configuration`) return json(config);
    if (path === `${AUTH}/jwks`) return json({ keys: [publicJwk] });
    if (path === `${AUTH}/token`) return token(rec);
    if (path === `${AUTH}/introspect`) {
      if (state.introspectionBearer && request.headers.get("authorization") !== `Bearer ${state.introspectionBearer}`)
        return json({ error: "invalid_client" }, 401);
      const t = accessTokens.get(rec.form.get("token") ?? "");
      if (!t || revoked.includes(rec.form.get("token") ?? "")) return json({ active: false });
      return json({
        active: true,
        client_id: t.clientId,
        scope: t.scope.split(" ").reverse().join(" "),
        exp: t.exp,
        ...t.context,
      });
    }
    if (path === `${AUTH}/revoke`) {
      revoked.push(rec.form.get("token") ?? "");
      refreshTokens.delete(rec.form.get("token") ?? "");
      return new Response(null, { status: 200 });
    }
    if (path.startsWith(FHIR)) {
      const auth = request.headers.get("authorization") ?? "";
      const t = accessTokens.get(auth.replace(/^Bearer /, ""));
      if (!t || t.exp * 1000 < Date.now() || revoked.includes(auth.slice(7)))
        return new Response("{}", { status: 401 });
      return json({ resourceType: "Patient", id: url.pathname.split("/").pop() });
    }
    return new Response("not found", { status: 404 });
  };

  return {
    FHIR,
    AUTH,
    config,
    fetch: fetchImpl as typeof fetch,
    requests,
    next,
    state,
    revoked,
    publicJwk,
    privateKey,
    kid,
    issuer,
    idToken,
    tokenRequests: () => requests.filter((r) => r.url === `${AUTH}/token`),
    /** What the authorization server does when the browser arrives: record a code for this request. */
    authorize(
      authorizeUrl: string | { url: string; form?: Record<string, string> },
      context: Record<string, unknown> = {},
    ): URL {
      const url = new URL(typeof authorizeUrl === "string" ? authorizeUrl : authorizeUrl.url);
      const p =
        typeof authorizeUrl === "object" && authorizeUrl.form
          ? new URLSearchParams(authorizeUrl.form)
          : url.searchParams;
      const code = `code-${b64url(randomBytes(12))}`;
      recordSecret(code);
      codes.set(code, {
        clientId: p.get("client_id")!,
        redirectUri: p.get("redirect_uri")!,
        challenge: p.get("code_challenge")!,
        scope: p.get("scope")!,
        ...(p.get("nonce") ? { nonce: p.get("nonce")! } : {}),
        context,
      });
      const redirect = new URL(p.get("redirect_uri")!);
      redirect.searchParams.set("code", code);
      redirect.searchParams.set("state", p.get("state")!);
      return redirect;
    },
  };
}

export type FakeServer = Awaited<ReturnType<typeof createFakeServer>>;
