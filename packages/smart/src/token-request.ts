import * as oauth from "oauth4webapi";
import type { StoredToken } from "@fhir-dsl/token-store";
import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { abortableSleep, abortedError, withCallerSignal } from "./abort.js";
import { withoutKidNoted } from "./assertion-kid.js";
import { clientAuthFactory, type ClientAuthentication } from "./client-auth.js";
import { authorizationServer, bodyFailureIn, requestOptions, type TransportOptions } from "./endpoint.js";
import { SmartAuthError, SmartAuthErrorCode, printableUrl } from "./errors.js";
import { recordingFetch, withoutEcho } from "./redact.js";
import { resolveMaxRetryAfterMs, retryAfterMs } from "./retry-after.js";
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
  /**
   * The longest `Retry-After` of a 429/503 that is waited for before a retry (default 5 000 ms); a server
   * asking for longer gets no retry: its error is thrown at once. Without the header, the backoff applies.
   */
  maxRetryAfterMs?: number;
  /** The caller's signal: aborts the request and any wait between attempts (error code `aborted`). */
  signal?: AbortSignal | undefined;
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
  const factory = clientAuthFactory(ctx.clientAuth, endpoint, now);
  // checklist 2.41: an asymmetric client's body carries the assertion, not client_id (unless asked for)
  const getAuth =
    ctx.clientAuth.method === "private_key_jwt" && !ctx.clientAuth.clientIdInBody ? async (audience?: string) => withoutClientId(await factory(audience)) : factory;
  const maxRetryAfter = resolveMaxRetryAfterMs(ctx.maxRetryAfterMs);

  /**
   * One request to `url` (token, introspection or revocation endpoint) with the client's authentication;
   * a server that echoes the request must not get our code, verifier, secret or assertion into the error.
   */
  async function call<T>(
    url: string,
    send: (auth: oauth.ClientAuth, options: ReturnType<typeof requestOptions>) => Promise<Response>,
    process: (response: Response) => Promise<T>,
    wrapFetch: (fetch: typeof globalThis.fetch) => typeof globalThis.fetch = (f) => f,
  ): Promise<T> {
    const sent: RequestInit[] = [];
    if (ctx.signal?.aborted) throw abortedError(ctx.signal); // nothing is sent for a caller who already gave up
    try {
      const auth = await getAuth(url);
      const options = requestOptions(url, { ...ctx, fetch: wrapFetch(recordingFetch(ctx.fetch, sent)) });
      options.signal = withCallerSignal(options.signal, ctx.signal);
      const response = await send(auth, options).catch((cause) => {
        throw ctx.signal?.aborted ? abortedError(ctx.signal) : transportError(cause, url);
      });
      return await process(response);
    } catch (error) {
      // a body that broke off or ran over the cap is that error, even where a library wrapped it (issue 15)
      throw withoutKidNoted(withoutEcho(bodyFailureIn(error) ?? error, sent), ctx.clientAuth);
    }
  }

  /**
   * One grant, with bounded retries where a retry cannot spend a one-time credential twice:
   * client_credentials retries on 5xx/429/timeouts/resets (a fresh assertion and jti each time, E5);
   * a refresh retries only on an answered 503/429 (the server did not consume the token); an
   * authorization code is never replayed (E9).
   */
  async function request(grant: TokenGrant): Promise<StoredToken> {
    // One request builder for the three grants (SMART 2.2 app-launch.html#obtain-access-token,
    // #refresh-access-token, backend-services.html#request-1); oauth4webapi adds client authentication.
    const { grantType } = grant;
    const params: Record<string, string> =
      grantType === "authorization_code"
        ? { code: grant.code, redirect_uri: grant.redirectUri, code_verifier: grant.codeVerifier }
        : grantType === "refresh_token"
          ? { refresh_token: grant.refreshToken }
          : {};
    if (grantType !== "authorization_code" && grant.scope) params.scope = grant.scope;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call(
          endpoint,
          (auth, options) => oauth.genericTokenEndpointRequest(as, client, auth, grantType, params, options),
          (response) => processTokenResponse(response, endpoint, now()),
        );
      } catch (error) {
        const retry =
          SmartAuthError.is(error) &&
          error.retryable &&
          (grantType === "client_credentials" || (grantType === "refresh_token" && (error.status === 503 || error.status === 429)));
        if (attempt >= (ctx.maxRetries ?? 2) || !retry) throw error;
        const asked = retryAfterMs(error, now()); // RFC 9110 §10.2.3, RFC 6585 §4
        if (asked !== undefined && asked > maxRetryAfter) throw error;
        await abortableSleep(asked ?? backoffCeilingMs(attempt) * (0.5 + Math.random() / 2), ctx.signal);
      }
    }
  }

  return { request, call, as, client };
}

/** The longest wait before retry `attempt + 1` (exponential, capped at 2 s; jittered down to half). */
export const backoffCeilingMs = (attempt: number): number => Math.min(2_000, 100 * 2 ** attempt);

/** Map a fetch failure to a typed error; the cause is kept, nothing of the request is printed. */
export function transportError(cause: unknown, url: string): Error {
  // oauth4webapi's argument errors are misuse: they stay TypeErrors
  if (SmartAuthError.is(cause) || (cause instanceof TypeError && String((cause as { code?: unknown }).code).startsWith("ERR_INVALID_ARG"))) return cause as Error;
  const name = (cause as Error | undefined)?.name;
  const timeout = name === "TimeoutError" || name === "AbortError";
  const refused = cause instanceof oauth.OperationProcessingError;
  const insecure = refused && (cause.code === oauth.HTTP_REQUEST_FORBIDDEN || cause.code === oauth.REQUEST_PROTOCOL_FORBIDDEN);
  return new SmartAuthError(
    `Request to ${printableUrl(url)} ${timeout ? "timed out" : refused ? `refused by the client: ${cause.message}` : "failed: no HTTP response"}`,
    {
      code: timeout ? SmartAuthErrorCode.Timeout : insecure ? SmartAuthErrorCode.InsecureUrl : SmartAuthErrorCode.Network,
      retryable: !refused,
      cause,
    },
  );
}

/**
 * Checklist 2.41: a confidential client authenticates, and the IG omits `client_id` from its body (app-launch.html
 * #request-4, backend-services.html example); the assertion's `iss`/`sub` name the client (RFC 7523 §3).
 */
function withoutClientId(auth: oauth.ClientAuth): oauth.ClientAuth {
  return async (as, client, body, headers) => {
    await auth(as, client, body, headers);
    body.delete("client_id");
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
