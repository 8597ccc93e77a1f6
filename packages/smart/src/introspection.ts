import * as oauth from "oauth4webapi";
import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { parseScope, type ScopeSet } from "@fhir-dsl/smart-scopes";
import { clientAuthFactory, resolveClientAuth, type ClientAuthShorthand } from "./client-auth.js";
import { authorizationServer, requestOptions, type TransportOptions } from "./endpoint.js";
import { SmartAuthError, SmartAuthErrorCode, printableUrl } from "./errors.js";
import { recordingFetch, withoutEcho } from "./redact.js";
import { transportError } from "./token-request.js";

/** Options shared by introspectToken and revokeToken. */
export interface TokenEndpointCallOptions extends ClientAuthShorthand, TransportOptions {
  smartConfig: SmartConfiguration;
  clientId: string;
  /** The token to introspect or revoke. */
  token: string;
  tokenTypeHint?: "access_token" | "refresh_token";
  /** Clock for assertions (default Date.now). */
  now?: () => number;
}

export interface IntrospectTokenOptions extends TokenEndpointCallOptions {
  /** A bearer token for an introspection endpoint protected by SMART authorization (checklist 8.2). */
  bearerToken?: string;
}

/** RFC 7662 response: `active` always; the rest only for active tokens (E22). */
export interface IntrospectionResult {
  active: boolean;
  scope?: string;
  client_id?: string;
  /** Epoch seconds. */
  exp?: number;
  sub?: string;
  iss?: string;
  patient?: string;
  encounter?: string;
  fhirUser?: string;
  [claim: string]: unknown;
  /** `scope` parsed (empty for an inactive token): compare grants as sets, not strings (E22). */
  scopes: ScopeSet;
}

export function requireCallOptions(options: TokenEndpointCallOptions, what: string): void {
  if (typeof options !== "object" || options === null) throw new TypeError(`${what} needs an options object`);
  if (typeof options.smartConfig?.token_endpoint !== "string") throw new TypeError(`${what} needs smartConfig (from discoverSmartConfiguration)`);
  if (typeof options.clientId !== "string" || options.clientId === "") throw new TypeError(`${what} needs clientId`);
  if (typeof options.token !== "string" || options.token === "") throw new TypeError(`${what} needs token (a non-empty string)`);
}

/** Endpoint URL, oauth4webapi objects and the client authentication shared by both calls. */
export async function endpointCall(options: TokenEndpointCallOptions, endpoint: string | undefined, label: string) {
  if (typeof endpoint !== "string") {
    throw new SmartAuthError(`The SMART configuration has no ${label}_endpoint`, { code: SmartAuthErrorCode.UnsupportedByServer });
  }
  const as = authorizationServer(options.smartConfig);
  const client: oauth.Client = { client_id: options.clientId };
  const auth = await clientAuthFactory(resolveClientAuth(options), options.smartConfig.token_endpoint, options.now ?? Date.now)();
  return { as, client, auth, endpoint };
}

/**
 * RFC 7662 token introspection (SMART 2.2 token-introspection.html) with the client's own
 * authentication, or a bearer token when the endpoint wants one. Lenient about `active:false`
 * with no other member (E22).
 */
export async function introspectToken(options: IntrospectTokenOptions): Promise<IntrospectionResult> {
  requireCallOptions(options, "introspectToken");
  const { as, client, auth, endpoint } = await endpointCall(options, options.smartConfig.introspection_endpoint, "introspection");
  const bearer = options.bearerToken;
  const sent = new Set<string>();
  const baseFetch = recordingFetch(options.fetch, sent);
  // oauth4webapi refuses an authorization header in options.headers; the fetch adds it instead
  const transport: TransportOptions = bearer
    ? {
        ...options,
        fetch: (input, init) => {
          const headers = new Headers(init?.headers);
          headers.set("authorization", `Bearer ${bearer}`);
          return baseFetch(input, { ...init, headers });
        },
      }
    : { ...options, fetch: baseFetch };
  let response: Response;
  try {
    response = await oauth.introspectionRequest(as, client, auth, options.token, {
      ...requestOptions(endpoint, transport),
      ...(options.tokenTypeHint ? { additionalParameters: { token_type_hint: options.tokenTypeHint } } : {}),
    });
  } catch (cause) {
    throw withoutEcho(transportError(cause, endpoint), sent);
  }
  let result: oauth.IntrospectionResponse;
  try {
    result = await oauth.processIntrospectionResponse(as, client, response);
  } catch (cause) {
    throw withoutEcho(callError(cause, endpoint, response, SmartAuthErrorCode.Introspection, "Introspection"), sent);
  }
  return { ...(result as Record<string, unknown>), active: result.active, scopes: parseScope(typeof result.scope === "string" ? result.scope : "") } as IntrospectionResult;
}

/** A SmartAuthError for a refused introspection/revocation: the OAuth error fields and status, never the token. */
export function callError(cause: unknown, endpoint: string, response: Response, code: SmartAuthErrorCode, label: string): SmartAuthError {
  if (cause instanceof oauth.ResponseBodyError) {
    return new SmartAuthError(`${label} at ${printableUrl(endpoint)} failed: HTTP ${cause.status} ${cause.error}`, {
      code,
      error: cause.error,
      ...(cause.error_description ? { errorDescription: cause.error_description } : {}),
      status: cause.status,
      retryable: cause.status >= 500 || cause.status === 429,
      cause,
      response,
    });
  }
  const status = response.status;
  return new SmartAuthError(`${label} at ${printableUrl(endpoint)} failed: HTTP ${status}, unusable response`, {
    code,
    status,
    retryable: status >= 500 || status === 429,
    cause,
    response,
  });
}
