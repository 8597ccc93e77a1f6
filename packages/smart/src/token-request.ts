import * as oauth from "oauth4webapi";
import type { StoredToken } from "@fhir-dsl/token-store";
import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { abortableSleep, abortedError, withCallerSignal } from "./abort.js";
import {
  clientAuthFactory,
  loadConfidentialAuth,
  type ClientAuthentication,
  type ConfidentialAuthLoader,
} from "./client-auth.js";
import type { TransportOptions } from "./endpoint.js";
import { authorizationServer, bodyFailureIn, requestOptions } from "./oauth-endpoint.js";
import { SmartAuthError, SmartAuthErrorCode, printableUrl } from "./errors.js";
import { recordingFetch, withoutEcho } from "./redact.js";
import { resolveMaxRetryAfterMs, retryAfterMs } from "./retry-after.js";
import { processTokenResponse } from "./token-response.js";
import { DEFAULT_MAX_RETRIES } from "./defaults.js";
import { backoffCeilingMs } from "./backoff.js";

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

/** What every request of one client shares: built once, then every grant reuses it. */
interface PreparedClient {
  ctx: TokenClientContext;
  now: () => number;
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  getAuth: (audience?: string) => Promise<oauth.ClientAuth>;
  load: ConfidentialAuthLoader;
  maxRetryAfter: number;
}

type Send = (auth: oauth.ClientAuth, options: ReturnType<typeof requestOptions>) => Promise<Response>;
type WrapFetch = (fetch: typeof globalThis.fetch) => typeof globalThis.fetch;

/**
 * A prepared client: the key import and `as` object are built once, then every grant reuses them. Confidential
 * client authentication loads through import() on first use, so a public browser client never carries it.
 */
export function tokenClient(ctx: TokenClientContext) {
  return tokenClientWith(ctx, loadConfidentialAuth);
}

/** tokenClient with the confidential-client code from `load` (Backend Services imports it statically: no import() in its bundle). */
export function tokenClientWith(ctx: TokenClientContext, load: ConfidentialAuthLoader) {
  const now = ctx.now ?? Date.now;
  const factory = clientAuthFactory(ctx.clientAuth, ctx.smartConfig.token_endpoint, now, load);
  const prepared: PreparedClient = {
    ctx,
    now,
    as: authorizationServer(ctx.smartConfig),
    client: { client_id: ctx.clientId },
    // checklist 2.41: an asymmetric client's body carries the assertion, not client_id (unless asked for)
    getAuth:
      ctx.clientAuth.method === "private_key_jwt" && !ctx.clientAuth.clientIdInBody
        ? async (audience) => withoutClientId(await factory(audience))
        : factory,
    load,
    maxRetryAfter: resolveMaxRetryAfterMs(ctx.maxRetryAfterMs),
  };
  return new TokenClient(prepared);
}

/** Methods on the prototype, not closures per client: one object per client (issue 22, memory per provider). */
export class TokenClient {
  readonly #p: PreparedClient;
  constructor(prepared: PreparedClient) {
    this.#p = prepared;
  }
  get as(): oauth.AuthorizationServer {
    return this.#p.as;
  }
  get client(): oauth.Client {
    return this.#p.client;
  }
  request(grant: TokenGrant): Promise<StoredToken> {
    return requestGrant(this.#p, grant);
  }
  call<T>(url: string, send: Send, process: (response: Response) => Promise<T>, wrapFetch?: WrapFetch): Promise<T> {
    return callEndpoint(this.#p, url, send, process, wrapFetch);
  }
}

/**
 * One request to `url` (token, introspection or revocation endpoint) with the client's authentication;
 * a server that echoes the request must not get our code, verifier, secret or assertion into the error.
 */
async function callEndpoint<T>(
  p: PreparedClient,
  url: string,
  send: Send,
  process: (response: Response) => Promise<T>,
  wrapFetch: WrapFetch = (f) => f,
): Promise<T> {
  const { ctx } = p;
  const sent: RequestInit[] = [];
  if (ctx.signal?.aborted) throw abortedError(ctx.signal); // nothing is sent for a caller who already gave up
  try {
    const auth = await p.getAuth(url);
    const options = requestOptions(url, { ...ctx, fetch: wrapFetch(recordingFetch(ctx.fetch, sent)) });
    options.signal = withCallerSignal(options.signal, ctx.signal);
    const response = await send(auth, options).catch((cause) => {
      throw ctx.signal?.aborted ? abortedError(ctx.signal) : transportError(cause, url);
    });
    return await process(response);
  } catch (error) {
    // a body that broke off or ran over the cap is that error, even where a library wrapped it (issue 15)
    const failure = withoutEcho(bodyFailureIn(error) ?? error, sent);
    if (ctx.clientAuth.method !== "private_key_jwt") throw failure;
    // only an assertion can lack a kid: the note comes with the confidential-client code, which this client has loaded
    const confidential = await p.load().catch(() => undefined);
    throw confidential ? confidential.withoutKidNoted(failure, ctx.clientAuth) : failure;
  }
}

/**
 * One grant, with bounded retries where a retry cannot spend a one-time credential twice:
 * client_credentials retries on 5xx/429/timeouts/resets (a fresh assertion and jti each time, E5);
 * a refresh retries only on an answered 503/429 (the server did not consume the token); an
 * authorization code is never replayed (E9).
 */
async function requestGrant(p: PreparedClient, grant: TokenGrant): Promise<StoredToken> {
  const { ctx, now, as, client } = p;
  const endpoint = ctx.smartConfig.token_endpoint;
  const { grantType } = grant;
  const params = grantParameters(grant);
  for (let attempt = 0; ; attempt++) {
    try {
      return await callEndpoint(
        p,
        endpoint,
        (auth, options) => oauth.genericTokenEndpointRequest(as, client, auth, grantType, params, options),
        (response) => processTokenResponse(response, endpoint, now()),
      );
    } catch (error) {
      const retry =
        SmartAuthError.is(error) &&
        error.retryable &&
        (grantType === "client_credentials" ||
          (grantType === "refresh_token" && (error.status === 503 || error.status === 429)));
      if (attempt >= (ctx.maxRetries ?? DEFAULT_MAX_RETRIES) || !retry) throw error;
      const asked = retryAfterMs(error, now()); // RFC 9110 §10.2.3, RFC 6585 §4
      if (asked !== undefined && asked > p.maxRetryAfter) throw error;
      await abortableSleep(asked ?? backoffCeilingMs(attempt) * (0.5 + Math.random() / 2), ctx.signal);
    }
  }
}

// One request builder for the three grants (SMART 2.2 app-launch.html#obtain-access-token,
// #refresh-access-token, backend-services.html#request-1); oauth4webapi adds client authentication.
function grantParameters(grant: TokenGrant): Record<string, string> {
  const params: Record<string, string> =
    grant.grantType === "authorization_code"
      ? { code: grant.code, redirect_uri: grant.redirectUri, code_verifier: grant.codeVerifier }
      : grant.grantType === "refresh_token"
        ? { refresh_token: grant.refreshToken }
        : {};
  if (grant.grantType !== "authorization_code" && grant.scope) params.scope = grant.scope;
  return params;
}

export { backoffCeilingMs } from "./backoff.js";

/** Map a fetch failure to a typed error; the cause is kept, nothing of the request is printed. */
export function transportError(cause: unknown, url: string): Error {
  // oauth4webapi's argument errors are misuse: they stay TypeErrors
  if (
    SmartAuthError.is(cause) ||
    (cause instanceof TypeError && String((cause as { code?: unknown }).code).startsWith("ERR_INVALID_ARG"))
  )
    return cause as Error;
  const name = (cause as Error | undefined)?.name;
  const timeout = name === "TimeoutError" || name === "AbortError";
  const refused = cause instanceof oauth.OperationProcessingError;
  const insecure =
    refused && (cause.code === oauth.HTTP_REQUEST_FORBIDDEN || cause.code === oauth.REQUEST_PROTOCOL_FORBIDDEN);
  return new SmartAuthError(
    `Request to ${printableUrl(url)} ${timeout ? "timed out" : refused ? `refused by the client: ${cause.message}` : "failed: no HTTP response"}`,
    {
      code: timeout
        ? SmartAuthErrorCode.Timeout
        : insecure
          ? SmartAuthErrorCode.InsecureUrl
          : SmartAuthErrorCode.Network,
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
