import { createRemoteJWKSet, customFetch, decodeJwt, jwtVerify, type JWTPayload } from "jose";
import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { assertSecureUrl, type TransportOptions } from "./endpoint.js";
import { SmartAuthError, SmartAuthErrorCode } from "./errors.js";

/** Claims of a verified id_token. `fhirUser` is as the server sent it (see resolveFhirUser). */
export interface IdTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nonce?: string;
  azp?: string;
  fhirUser?: string;
  /** Pre-2.0 servers sent `profile` instead of `fhirUser` (checklist 3.21). */
  profile?: string;
}

export interface VerifyIdTokenOptions extends TransportOptions {
  /** Must carry `issuer` and `jwks_uri` (listed with `sso-openid-connect`). */
  smartConfig: SmartConfiguration;
  clientId: string;
  /** The nonce sent in the authorization request; when given, the claim must equal it. */
  nonce?: string;
  /** Leeway for `exp`/`iat`, in seconds (default 60, as Inferno). */
  clockToleranceSeconds?: number;
  /** Accepted signature algorithms; default RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 (never none or HS*). */
  algorithms?: string[];
  /** Clock in epoch ms (default Date.now). */
  now?: () => number;
  /** Skip the `exp` check: for re-checking a stored id_token's signature after a restart. */
  ignoreExpiry?: boolean;
}

const DEFAULT_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

// One remote key set per (fetch, jwks_uri): jose caches keys and refetches on an unknown kid.
const keySets = new WeakMap<object, Map<string, ReturnType<typeof createRemoteJWKSet>>>();
const DEFAULT_FETCH = {};

function keySet(jwksUri: string, options: TransportOptions) {
  const owner = options.fetch ?? DEFAULT_FETCH;
  let byUri = keySets.get(owner);
  if (!byUri) keySets.set(owner, (byUri = new Map()));
  let set = byUri.get(jwksUri);
  if (!set) {
    const fetchImpl = options.fetch;
    set = createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: options.timeoutMs ?? 10_000,
      ...(fetchImpl ? { [customFetch]: (url: string, init: RequestInit) => fetchImpl(url, init) } : {}),
    });
    byUri.set(jwksUri, set);
  }
  return set;
}

const invalid = (message: string, cause?: unknown) =>
  new SmartAuthError(`id_token rejected: ${message}`, { code: SmartAuthErrorCode.InvalidIdToken, ...(cause ? { cause } : {}) });

/**
 * Verify an id_token (OIDC Core §3.1.3.7, SMART 2.2 scopes-and-launch-context.html#scopes-for-requesting-identity-data):
 * signature with a key from `jwks_uri` chosen by `kid`, `iss` equal to the configuration's `issuer`
 * exactly (E6), `aud` containing the client id and `azp` when there are several audiences (E18), `exp`
 * and `iat` within the leeway, `nonce` when one was sent. `alg: none` and HMAC are never accepted.
 */
export async function verifyIdToken(idToken: string, options: VerifyIdTokenOptions): Promise<IdTokenClaims> {
  if (typeof idToken !== "string" || idToken === "") throw new TypeError("verifyIdToken needs the id_token string");
  if (typeof options?.clientId !== "string" || options.clientId === "") throw new TypeError("verifyIdToken needs clientId");
  const { issuer, jwks_uri: jwksUri } = options.smartConfig ?? {};
  if (typeof issuer !== "string" || typeof jwksUri !== "string") {
    throw new SmartAuthError("The SMART configuration lacks issuer or jwks_uri: the id_token cannot be verified", {
      code: SmartAuthErrorCode.UnsupportedByServer,
    });
  }
  assertSecureUrl(jwksUri, options.allowInsecureRequests);
  const algorithms = (options.algorithms ?? DEFAULT_ALGORITHMS).filter((a) => a !== "none" && !a.startsWith("HS"));
  const now = options.now ?? Date.now;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, keySet(jwksUri, options), {
      issuer,
      audience: options.clientId,
      algorithms,
      clockTolerance: options.clockToleranceSeconds ?? 60,
      requiredClaims: ["iss", "sub", "aud", "exp", "iat"],
      currentDate: new Date(options.ignoreExpiry ? checkTimeIgnoringExpiry(idToken, now()) : now()),
    }));
  } catch (cause) {
    const code = (cause as { code?: string } | undefined)?.code ?? "ERR_UNKNOWN";
    const claim = (cause as { claim?: string } | undefined)?.claim;
    throw invalid(`${code}${claim ? ` (claim "${claim}")` : ""}`, cause);
  }
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== options.clientId) throw invalid('"azp" must be the client id when there are several audiences');
  if (payload.azp !== undefined && payload.azp !== options.clientId) throw invalid('"azp" is not the client id');
  if (typeof payload.sub !== "string" || payload.sub.length === 0) throw invalid('"sub" is missing');
  if (options.nonce !== undefined) {
    if (payload.nonce !== options.nonce) throw invalid('"nonce" does not match the one sent');
  } else if (payload.nonce !== undefined && !options.ignoreExpiry) {
    throw invalid('"nonce" present although none was sent');
  }
  return payload as IdTokenClaims;
}

// A stored id_token is re-checked as of a moment inside its lifetime: signature, iss and aud still count.
function checkTimeIgnoringExpiry(idToken: string, now: number): number {
  let exp: unknown;
  try {
    exp = decodeJwt(idToken).exp;
  } catch {
    return now;
  }
  return typeof exp === "number" ? Math.min(now, exp * 1000 - 1000) : now;
}

/** `fhirUser` (or legacy `profile`) as an absolute URL: a relative one resolves against the FHIR base (E18, checklist 3.23). */
export function resolveFhirUser(claims: IdTokenClaims | undefined, fhirBaseUrl: string | undefined): string | undefined {
  const value = typeof claims?.fhirUser === "string" ? claims.fhirUser : typeof claims?.profile === "string" ? claims.profile : undefined;
  if (value === undefined) return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) || fhirBaseUrl === undefined) return value;
  return new URL(value.replace(/^\/+/, ""), `${fhirBaseUrl.replace(/\/+$/, "")}/`).href;
}
