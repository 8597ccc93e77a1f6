import type { IdTokenClaims, VerifyIdTokenOptions } from "./id-token.js";

type IdTokenModule = typeof import("./id-token.js");
let idTokenModule: Promise<IdTokenModule> | undefined;

/**
 * id_token verification (JWKS fetch, JWS signature and claim checks: a third of the oauth4webapi code a browser
 * app carries) is imported on first use, so an app's start bundle leaves it out (issue 20 item 6).
 */
export function loadIdTokenVerification(): Promise<IdTokenModule> {
  if (!idTokenModule) {
    idTokenModule = import("./id-token.js");
    idTokenModule.catch(() => (idTokenModule = undefined)); // a failed load is retried by the next caller
  }
  return idTokenModule;
}

/** verifyIdToken (id-token.ts) through the lazily loaded module. */
export async function verifyIdTokenLazily(idToken: string, options: VerifyIdTokenOptions): Promise<IdTokenClaims> {
  return (await loadIdTokenVerification()).verifyIdToken(idToken, options);
}
