import * as oauth from "oauth4webapi";
import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { assertSecureUrl, type TransportOptions } from "./endpoint.js";
import { bodyFailureIn, requestOptions } from "./oauth-endpoint.js";
import { SmartAuthErrorCode, fail, text } from "./errors.js";
import { ParsedJsonResponse } from "./token-response.js";
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, DEFAULT_MAX_IAT_AGE_SECONDS } from "./defaults.js";

/** Claims of a verified id_token. `fhirUser` is as the server sent it (see resolveFhirUser). */
export interface IdTokenClaims {
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
  [claim: string]: unknown;
}

export interface VerifyIdTokenOptions extends TransportOptions {
  /** Must carry `issuer` and `jwks_uri` (listed with `sso-openid-connect`). */
  smartConfig: SmartConfiguration;
  clientId: string;
  /** The nonce sent in the authorization request; when given, the claim must equal it, else it must be absent. */
  nonce?: string;
  /** Leeway for `exp`/`nbf`, and how far in the future `iat` may be, in seconds (default 60, as Inferno). */
  clockToleranceSeconds?: number;
  /** How long ago `iat` may be, in seconds (default 3600): an older id_token is refused (checklist 7.1). */
  maxIatAgeSeconds?: number;
  /** Accepted signature algorithms; default RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 (never none or HS*). */
  algorithms?: string[];
  /** Clock in epoch ms (default Date.now). */
  now?: () => number;
  /** Skip the `exp` check: for re-checking a stored id_token's signature after a restart. */
  ignoreExpiry?: boolean;
}

const DEFAULT_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

// oauth4webapi caches a JWKS per AuthorizationServer object: one per (fetch, configuration, algorithm list).
const servers = new WeakMap<object, WeakMap<SmartConfiguration, Map<string, oauth.AuthorizationServer>>>();
const DEFAULT_FETCH = {};

function cached<K extends object, V>(map: WeakMap<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (!value) map.set(key, (value = create()));
  return value;
}

const invalid = (reason: string) => fail(SmartAuthErrorCode.InvalidIdToken, `id_token rejected: ${reason}`);

/**
 * Verify an id_token (OIDC Core §3.1.3.7, SMART 2.2 scopes-and-launch-context.html#scopes-for-requesting-identity-data)
 * with oauth4webapi: signature with a key from `jwks_uri` chosen by `kid`, `iss` equal to the
 * configuration's `issuer` exactly (E6), `aud` containing the client id and `azp` when there are several
 * audiences (E18), `exp` within the leeway, `nonce` when one was sent. `alg: none` and HMAC are never accepted.
 */
export async function verifyIdToken(idToken: string, options: VerifyIdTokenOptions): Promise<IdTokenClaims> {
  text("verifyIdToken", idToken, "the id_token string");
  const clientId = text("verifyIdToken", options?.clientId, "clientId");
  const { smartConfig } = options;
  const { issuer, jwks_uri: jwksUri } = smartConfig ?? {};
  if (typeof issuer !== "string" || typeof jwksUri !== "string") {
    throw fail(
      SmartAuthErrorCode.UnsupportedByServer,
      "The SMART configuration lacks issuer or jwks_uri: the id_token cannot be verified",
    );
  }
  assertSecureUrl(jwksUri, options.allowInsecureRequests);
  const algorithms = (options.algorithms ?? DEFAULT_ALGORITHMS).filter((a) => a !== "none" && !a.startsWith("HS"));
  const byConfig = cached(
    servers,
    options.fetch ?? DEFAULT_FETCH,
    () => new WeakMap<SmartConfiguration, Map<string, oauth.AuthorizationServer>>(),
  );
  const byAlgs = cached(byConfig, smartConfig, () => new Map<string, oauth.AuthorizationServer>());
  const key = String(algorithms);
  const as =
    byAlgs.get(key) ??
    byAlgs.set(key, { issuer, jwks_uri: jwksUri, id_token_signing_alg_values_supported: algorithms }).get(key)!;
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  const client: oauth.Client = {
    client_id: clientId,
    [oauth.clockSkew]: now - Math.floor(Date.now() / 1000),
    // a stored id_token is re-checked for signature, iss and aud only: its login-time lifetime is past
    [oauth.clockTolerance]: options.ignoreExpiry
      ? Number.MAX_SAFE_INTEGER
      : (options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS),
  };
  // oauth4webapi verifies id_tokens as part of a token response: hand it one holding only this id_token.
  const response = new ParsedJsonResponse({ access_token: "-", token_type: "bearer", id_token: idToken });
  let claims: oauth.IDToken | undefined;
  try {
    const result = await oauth.processGenericTokenEndpointResponse(as, client, response);
    await oauth.validateApplicationLevelSignature(as, response, requestOptions(jwksUri, options));
    claims = oauth.getValidatedIdTokenClaims(result);
  } catch (error) {
    // a JWKS body over the cap or broken off (issue 15) is a transport failure, not a bad id_token
    const body = bodyFailureIn(error);
    if (body) throw body;
    // oauth4webapi errors carry the token and its claims in `cause`: report only the code and the claim name
    const e = error as { code?: unknown; cause?: { claim?: unknown } } | undefined;
    const claim = typeof e?.cause?.claim === "string" ? ` (claim "${e.cause.claim}")` : "";
    throw invalid((typeof e?.code === "string" ? e.code : "unverifiable") + claim);
  }
  checkClaims(claims, clientId, now, options);
  return claims as IdTokenClaims;
}

/** The claims oauth4webapi leaves to the caller: sub, azp, iat (OIDC Core §3.1.3.7 (10)) and nonce ((11)). */
function checkClaims(
  claims: oauth.IDToken | undefined,
  clientId: string,
  now: number,
  options: VerifyIdTokenOptions,
): asserts claims is oauth.IDToken {
  if (!claims || typeof claims.sub !== "string" || claims.sub === "") throw invalid('"sub" is missing');
  if (claims.azp !== undefined && claims.azp !== clientId) throw invalid('"azp" is not the client id');
  // OIDC Core §3.1.3.7 (10), checklist 7.1: "iat must be reasonable"; a stored id_token (ignoreExpiry) is old by design
  if (!options.ignoreExpiry) {
    const iat = claims.iat as unknown;
    if (typeof iat !== "number" || !Number.isFinite(iat)) throw invalid('"iat" is missing or not a number');
    if (iat > now + (options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS))
      throw invalid('"iat" is in the future');
    if (iat < now - (options.maxIatAgeSeconds ?? DEFAULT_MAX_IAT_AGE_SECONDS))
      throw invalid('"iat" is too far in the past');
  }
  // OIDC Core §3.1.3.7 (11): the nonce sent, or none when none was sent; a stored id_token re-checked
  // without an expected nonce keeps its login nonce unchecked
  if (
    options.nonce !== undefined ? claims.nonce !== options.nonce : !options.ignoreExpiry && claims.nonce !== undefined
  ) {
    throw invalid('"nonce" is not the one sent');
  }
}

export { resolveFhirUser } from "./fhir-user.js";
