// A request to a token, introspection, revocation or JWKS endpoint through oauth4webapi (its options, typed body
// errors, the AuthorizationServer object); the transport checks a launch page also runs stay in endpoint.ts.
import * as oauth from "oauth4webapi";
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  limitedFetch,
  type BodyFailure,
  type SmartConfiguration,
} from "@fhir-dsl/smart-discovery";
import { DEFAULT_TIMEOUT_MS, assertSecureUrl, type TransportOptions } from "./endpoint.js";
import { SmartAuthError, SmartAuthErrorCode, printableUrl } from "./errors.js";

// Body errors made here are recognised wherever a library wrapped them (oauth4webapi's `cause`)
const bodyErrors = new WeakSet<object>();

/** A body that could not be read (issue 15): over the cap (not retryable), or a timeout / reset mid-body (retryable). */
function bodyError(
  url: string,
  maxBytes: number,
  failure: BodyFailure,
  response: Response,
  cause?: unknown,
): SmartAuthError {
  const tooLarge = failure === "too_large";
  const error = new SmartAuthError(
    `Response of ${printableUrl(url)} ${tooLarge ? `is over ${maxBytes} bytes (see maxResponseBytes)` : failure === "timeout" ? "timed out mid-body" : "broke off mid-body"}`,
    {
      code: tooLarge
        ? SmartAuthErrorCode.ResponseTooLarge
        : failure === "timeout"
          ? SmartAuthErrorCode.Timeout
          : SmartAuthErrorCode.Network,
      status: response.status,
      retryable: !tooLarge,
      cause,
    },
  );
  bodyErrors.add(error);
  return error;
}

/** The body error (see bodyError) in `error`'s cause chain, if any. */
export function bodyFailureIn(error: unknown): SmartAuthError | undefined {
  for (
    let e = error, depth = 0;
    e !== null && typeof e === "object" && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    if (bodyErrors.has(e)) return e as SmartAuthError;
  }
  return undefined;
}

/**
 * The oauth4webapi request options for one endpoint: our fetch, a timeout, and http allowed only for
 * an endpoint that passed `assertSecureUrl`.
 */
export function requestOptions(url: string, transport: TransportOptions) {
  const maxBytes = transport.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (typeof maxBytes !== "number" || !(maxBytes > 0))
    throw new TypeError("maxResponseBytes must be a number of bytes > 0 (Infinity for no cap)");
  return {
    signal: AbortSignal.timeout(transport.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    [oauth.allowInsecureRequests]: assertSecureUrl(url, transport.allowInsecureRequests).protocol === "http:",
    // oauth4webapi reads bodies itself: hand it responses whose bodies are capped and fail typed
    [oauth.customFetch]: limitedFetch(transport.fetch, maxBytes, (failure, response, cause) =>
      bodyError(url, maxBytes, failure, response, cause),
    ),
  };
}

/**
 * oauth4webapi's AuthorizationServer from a SMART configuration. SMART lists `issuer` only with
 * `sso-openid-connect`; without it the token endpoint's origin stands in. That value is never compared
 * with anything: assertion `aud` is set to the token endpoint (E7) and id_tokens are verified by
 * id-token.ts against the configuration's own `issuer`.
 */
export function authorizationServer({
  issuer,
  token_endpoint,
  introspection_endpoint,
  revocation_endpoint,
}: SmartConfiguration): oauth.AuthorizationServer {
  return {
    issuer: typeof issuer === "string" ? issuer : new URL(token_endpoint).origin,
    token_endpoint,
    introspection_endpoint,
    revocation_endpoint,
  };
}
