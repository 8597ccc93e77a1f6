import { chunkLoader } from "./chunk-load.js";
import type { IdTokenClaims, VerifyIdTokenOptions } from "./id-token.js";

/**
 * id_token verification (JWKS fetch, JWS signature and claim checks: a third of the oauth4webapi code a browser
 * app carries) is imported on first use, so an app's start bundle leaves it out (issue 20 item 6); a failed load
 * is a typed `network_error`, retried by the next caller.
 */
export const loadIdTokenVerification = /* @__PURE__ */ chunkLoader(
  "the id_token checks",
  () => import("./id-token.js"),
);

/** verifyIdToken (id-token.ts) through the lazily loaded module. */
export async function verifyIdTokenLazily(idToken: string, options: VerifyIdTokenOptions): Promise<IdTokenClaims> {
  return (await loadIdTokenVerification()).verifyIdToken(idToken, options);
}
