import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import type { StoredToken } from "@fhir-dsl/token-store";
import { resolveClientAuth, type ClientAuthShorthand } from "./client-auth.js";
import type { TransportOptions } from "./endpoint.js";
import type { IdTokenClaims } from "./id-token.js";
import { loadIdTokenVerification } from "./id-token-loader.js";
import { requireOptions, requireOptionsWithConfig, text } from "./errors.js";
import { tokenClient } from "./token-request.js";

export interface ExchangeCodeOptions extends ClientAuthShorthand, TransportOptions {
  smartConfig: SmartConfiguration;
  clientId: string;
  /** The redirect URI of the authorization request, identical (checklist 2.38). */
  redirectUri: string;
  /** The `code` of the redirect; exchanged once, never replayed (E9). */
  code: string;
  /** The PKCE verifier whose S256 challenge was sent (checklist 2.39). */
  codeVerifier: string;
  /** The nonce sent in the authorization request, checked against the id_token. */
  nonce?: string;
  /** The caller's signal: aborts the exchange (error code `aborted`, the signal's reason as `cause`). */
  signal?: AbortSignal | undefined;
  /**
   * Verify an id_token in the response (default true): a bad one fails the exchange. Without
   * `issuer`/`jwks_uri` in the configuration it stays unverified and its `fhirUser` is not exposed.
   */
  verifyIdToken?: boolean;
  /** Leeway for id_token `exp`/`iat` in seconds (default 60). */
  clockToleranceSeconds?: number;
  /** How long ago an id_token's `iat` may be, in seconds (default 3600, checklist 7.1). */
  maxIatAgeSeconds?: number;
  /** Clock in epoch ms (default Date.now): `expires_at` is computed from the receipt time. */
  now?: () => number;
}

// Claims verified at exchange, keyed by the token object handed to the caller, so a SmartClient
// built from it (the README's flow) can expose fhirUser without a second network round trip.
const verified = new WeakMap<object, IdTokenClaims>();

/** The verified id_token claims of a token returned by exchangeCode, if any. */
export function verifiedClaimsOf(token: object): IdTokenClaims | undefined {
  return verified.get(token);
}

/** Remember `claims` as verified for `token` (internal: SmartClient, restore). */
export function markVerified(token: object, claims: IdTokenClaims): void {
  verified.set(token, claims);
}

/**
 * Exchange an authorization code for tokens (SMART 2.2 app-launch.html#obtain-access-token) as a
 * public client (client_id in the body), a symmetric one (`clientSecret`: Basic by default, or
 * `clientAuth: { method: "client_secret_post", ... }`) or an asymmetric one (`privateKey` + `alg` +
 * `kid`, a private_key_jwt assertion). Returns the StoredToken with an absolute `expires_at`.
 */
export async function exchangeCode(options: ExchangeCodeOptions): Promise<StoredToken> {
  requireOptions("exchangeCode", options);
  for (const name of ["clientId", "redirectUri", "code", "codeVerifier"] as const)
    text("exchangeCode", options[name], `${name} (a non-empty string)`);
  const { smartConfig } = requireOptionsWithConfig("exchangeCode", options);
  const now = options.now ?? Date.now;
  const client = tokenClient({ ...options, clientAuth: resolveClientAuth(options), now, maxRetries: 0 });
  // the id_token checks load while the code is exchanged (no added wait), only where they can run
  const idTokenChecks =
    options.verifyIdToken !== false &&
    typeof smartConfig.issuer === "string" &&
    typeof smartConfig.jwks_uri === "string"
      ? loadIdTokenVerification()
      : undefined;
  const token = await client.request({
    grantType: "authorization_code",
    code: options.code,
    redirectUri: options.redirectUri,
    codeVerifier: options.codeVerifier,
  });
  if (typeof token.id_token === "string" && idTokenChecks) {
    verified.set(token, await (await idTokenChecks).verifyIdToken(token.id_token, { ...options, now }));
  }
  return token;
}
