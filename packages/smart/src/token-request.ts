import * as oauth from "oauth4webapi";
import type { StoredToken } from "@fhir-dsl/token-store";
import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { clientAuthFactory, type ClientAuthentication } from "./client-auth.js";
import { authorizationServer, requestOptions, type TransportOptions } from "./endpoint.js";
import { SmartAuthError, SmartAuthErrorCode, printableUrl } from "./errors.js";
import { recordingFetch, withoutEcho } from "./redact.js";
import { processTokenResponse } from "./token-response.js";

/** Everything a token request needs about the client and the server. */
export interface TokenClientContext extends TransportOptions {
  smartConfig: SmartConfiguration;
  clientId: string;
  clientAuth: ClientAuthentication;
  /** Clock in epoch ms; default `Date.now`. */
  now?: () => number;
  /** Retries after a 5xx/429, timeout or connection failure, where a retry is safe (default 2). */
  maxRetries?: number;
}

export type TokenGrant =
  | { grantType: "client_credentials"; scope?: string }
  | { grantType: "refresh_token"; refreshToken: string; scope?: string }
  | { grantType: "authorization_code"; code: string; redirectUri: string; codeVerifier: string };

/** A prepared client: the key import and `as` object are built once, then every grant reuses them. */
export function tokenClient(ctx: TokenClientContext) {
  const now = ctx.now ?? Date.now;
  const endpoint = ctx.smartConfig.token_endpoint;
  const as = authorizationServer(ctx.smartConfig);
  const client: oauth.Client = { client_id: ctx.clientId };
  const getAuth = clientAuthFactory(ctx.clientAuth, endpoint, now);

  // One request builder for the three grants (SMART 2.2 app-launch.html#obtain-access-token,
  // #refresh-access-token, backend-services.html#request-1); oauth4webapi adds client authentication.
  function send(grant: TokenGrant, auth: oauth.ClientAuth, sent: Set<string>): Promise<Response> {
    const { grantType, ...rest } = grant;
    const params: Record<string, string> =
      grantType === "authorization_code"
        ? { code: grant.code, redirect_uri: grant.redirectUri, code_verifier: grant.codeVerifier }
        : grantType === "refresh_token"
          ? { refresh_token: grant.refreshToken }
          : {};
    const scope = (rest as { scope?: string }).scope;
    if (scope && grantType !== "authorization_code") params.scope = scope;
    const options = requestOptions(endpoint, { ...ctx, fetch: recordingFetch(ctx.fetch, sent) });
    return oauth.genericTokenEndpointRequest(as, client, auth, grantType, params, options);
  }

  /**
   * One grant, with bounded retries where a retry cannot spend a one-time credential twice:
   * client_credentials retries on 5xx/429/timeouts/resets (a fresh assertion and jti each time, E5);
   * a refresh retries only on an answered 503/429 (the server did not consume the token); an
   * authorization code is never replayed (E9).
   */
  async function request(grant: TokenGrant): Promise<StoredToken> {
    const maxRetries = ctx.maxRetries ?? 2;
    for (let attempt = 0; ; attempt++) {
      const auth = await getAuth();
      const sent = new Set<string>();
      try {
        const response = await send(grant, auth, sent).catch((cause) => {
          throw transportError(cause, endpoint);
        });
        return await processTokenResponse(response, endpoint, now());
      } catch (caught) {
        // a server that echoes the request must not get our code, verifier, secret or assertion into the error
        const error = withoutEcho(caught, sent);
        if (attempt >= maxRetries || !retryAllowed(grant, error)) throw error;
        await sleep(Math.min(2_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2));
      }
    }
  }

  return { request, as, client, getAuth, endpoint };
}

export type TokenClient = ReturnType<typeof tokenClient>;

function retryAllowed(grant: TokenGrant, error: unknown): boolean {
  if (!SmartAuthError.is(error) || !error.retryable) return false;
  if (grant.grantType === "client_credentials") return true;
  if (grant.grantType === "refresh_token") return error.status === 503 || error.status === 429;
  return false;
}

/** Map a fetch failure to a typed error; the cause is kept, nothing of the request is printed. */
export function transportError(cause: unknown, url: string): Error {
  if (SmartAuthError.is(cause)) return cause;
  // oauth4webapi's argument errors are misuse: they stay TypeErrors
  if (cause instanceof TypeError && String((cause as { code?: unknown }).code).startsWith("ERR_INVALID_ARG")) return cause;
  const name = (cause as { name?: string } | undefined)?.name;
  if (name === "TimeoutError" || name === "AbortError") {
    return new SmartAuthError(`Request to ${printableUrl(url)} timed out`, { code: SmartAuthErrorCode.Timeout, retryable: true, cause });
  }
  if (cause instanceof oauth.OperationProcessingError) {
    const insecure = cause.code === oauth.HTTP_REQUEST_FORBIDDEN || cause.code === oauth.REQUEST_PROTOCOL_FORBIDDEN;
    return new SmartAuthError(`Request to ${printableUrl(url)} refused by the client: ${cause.message}`, {
      code: insecure ? SmartAuthErrorCode.InsecureUrl : SmartAuthErrorCode.Network,
      cause,
    });
  }
  return new SmartAuthError(`Request to ${printableUrl(url)} failed: no HTTP response`, { code: SmartAuthErrorCode.Network, retryable: true, cause });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
