import type { ClientAuthentication } from "./client-auth.js";
import { SmartAuthError } from "./errors.js";

/**
 * The `kid` of a client assertion: the `kid` option, else the private JWK's own `kid`. SMART requires
 * one (client-confidential-asymmetric.html#authenticating-to-the-token-endpoint) and strict servers
 * look the key up by it; a bare CryptoKey without the option has none.
 */
export function assertionKid(auth: ClientAuthentication): string | undefined {
  if (auth.method !== "private_key_jwt") return undefined;
  if (typeof auth.kid === "string" && auth.kid !== "") return auth.kid;
  const key = auth.privateKey as { kid?: unknown; algorithm?: unknown } | null;
  return typeof key === "object" &&
    key !== null &&
    !("algorithm" in key) &&
    typeof key.kid === "string" &&
    key.kid !== ""
    ? key.kid
    : undefined;
}

/**
 * A refused request (an answered 4xx) authenticated by an assertion without `kid`: the typed error says
 * so, since that is the likely cause with a strict server. Anything else is returned as it is.
 */
export function withoutKidNoted(error: unknown, auth: ClientAuthentication): unknown {
  if (
    !SmartAuthError.is(error) ||
    auth.method !== "private_key_jwt" ||
    assertionKid(auth) !== undefined ||
    typeof error.status !== "number" ||
    error.status < 400 ||
    error.status >= 500 ||
    error.status === 429
  ) {
    return error;
  }
  return new SmartAuthError(
    `${error.message}; the client assertion carried no kid (pass kid, or a private JWK with its kid)`,
    {
      code: error.code,
      error: error.error,
      errorDescription: error.errorDescription,
      errorUri: error.errorUri,
      status: error.status,
      retryable: error.retryable,
      cause: error.cause,
      response: error.response,
    },
  );
}
