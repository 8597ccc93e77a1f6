import * as oauth from "oauth4webapi";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import type { Sandbox } from "../src/index.js";

export const insecure = { [oauth.allowInsecureRequests]: true } as const;

export const REDIRECT_URI = "http://127.0.0.1:1/callback";

export async function discover(sandbox: Sandbox): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(sandbox.issuer);
  const res = await oauth.discoveryRequest(issuer, { algorithm: "oidc", ...insecure });
  return oauth.processDiscoveryResponse(issuer, res);
}

export interface AuthorizeParams {
  clientId: string;
  scope: string;
  launch?: string;
  aud?: string | null;
  redirectUri?: string;
  state?: string;
  extra?: Record<string, string>;
}

/** Builds an authorize URL with PKCE S256; returns it with the verifier and state. */
export async function authorizeUrl(sandbox: Sandbox, p: AuthorizeParams) {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = p.state ?? oauth.generateRandomState();
  const url = new URL(sandbox.authorizationEndpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", p.clientId);
  url.searchParams.set("redirect_uri", p.redirectUri ?? REDIRECT_URI);
  url.searchParams.set("scope", p.scope);
  url.searchParams.set("state", state);
  if (p.aud !== null) url.searchParams.set("aud", p.aud ?? sandbox.fhirBaseUrl);
  if (p.launch) url.searchParams.set("launch", p.launch);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  for (const [k, v] of Object.entries(p.extra ?? {})) url.searchParams.set(k, v);
  return { url, codeVerifier, state };
}

export interface KeyPair {
  privateKey: CryptoKey;
  publicJwk: JWK;
  kid: string;
  alg: "RS384" | "ES384";
}

export async function keyPair(alg: "RS384" | "ES384", kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { privateKey, publicJwk, kid, alg };
}

export interface AssertionOptions {
  aud?: string;
  expiresIn?: number;
  jti?: string;
  typ?: string | null;
  iat?: number;
}

/** A SMART client assertion (typ JWT, aud = token endpoint, exp <= 5 min, fresh jti). */
export async function clientAssertion(sandbox: Sandbox, clientId: string, key: KeyPair, o: AssertionOptions = {}) {
  const now = o.iat ?? Math.floor(Date.now() / 1000);
  const header: Record<string, string> = { alg: key.alg, kid: key.kid };
  if (o.typ !== null) header.typ = o.typ ?? "JWT";
  return new SignJWT({})
    .setProtectedHeader(header as { alg: string })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(o.aud ?? sandbox.tokenEndpoint)
    .setIssuedAt(now)
    .setExpirationTime(now + (o.expiresIn ?? 240))
    .setJti(o.jti ?? crypto.randomUUID())
    .sign(key.privateKey);
}

/** oauth4webapi's PrivateKeyJwt with SMART's typ and aud. */
export function smartPrivateKeyJwt(sandbox: Sandbox, key: KeyPair): oauth.ClientAuth {
  return oauth.PrivateKeyJwt(
    { key: key.privateKey, kid: key.kid },
    {
      [oauth.modifyAssertion]: (header, payload) => {
        header.typ = "JWT";
        payload.aud = sandbox.tokenEndpoint;
      },
    },
  );
}

export async function fhirGet(sandbox: Sandbox, path: string, token?: string) {
  const res = await fetch(`${sandbox.fhirBaseUrl}/${path}`, {
    headers: token ? { authorization: `Bearer ${token}`, accept: "application/fhir+json" } : {},
  });
  return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
}

export async function tokenPost(sandbox: Sandbox, body: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(sandbox.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", ...headers },
    body: new URLSearchParams(body).toString(),
  });
  const text = await res.text();
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(text);
  } catch {
    // HTML fault pages
  }
  return { status: res.status, body: json, text, headers: res.headers };
}

/** Runs a whole public-client code flow and returns the token response. */
export async function publicLogin(
  sandbox: Sandbox,
  as: oauth.AuthorizationServer,
  clientId: string,
  scope: string,
  launch?: string,
) {
  const client = { client_id: clientId };
  const { url, codeVerifier, state } = await authorizeUrl(sandbox, { clientId, scope, launch });
  const params = oauth.validateAuthResponse(as, client, await sandbox.authorize(url), state);
  const res = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    REDIRECT_URI,
    codeVerifier,
    insecure,
  );
  return oauth.processAuthorizationCodeResponse(as, client, res);
}
