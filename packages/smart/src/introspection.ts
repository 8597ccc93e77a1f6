import * as oauth from "oauth4webapi";
import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { parseScope, type ScopeSet } from "@fhir-dsl/smart-scopes";
import { resolveClientAuth, type ClientAuthShorthand } from "./client-auth.js";
import type { TransportOptions } from "./endpoint.js";
import { SmartAuthErrorCode, fail, requireOptionsWithConfig, text } from "./errors.js";
import { tokenClient } from "./token-request.js";
import { httpError } from "./token-response.js";

/** Options shared by introspectToken and revokeToken. */
export interface TokenEndpointCallOptions extends ClientAuthShorthand, TransportOptions {
  smartConfig: SmartConfiguration;
  clientId: string;
  /** The token to introspect or revoke. */
  token: string;
  tokenTypeHint?: "access_token" | "refresh_token";
  /** Clock for assertions (default Date.now). */
  now?: () => number;
  /** The caller's signal: aborts the request (error code `aborted`, the signal's reason as `cause`). */
  signal?: AbortSignal | undefined;
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

/**
 * One introspection or revocation call: the client's own authentication (as at the token endpoint),
 * `token_type_hint` when given, and errors cleaned of every credential the request carried.
 */
export async function callEndpoint<T>(
  options: TokenEndpointCallOptions,
  kind: "introspection" | "revocation",
  send: typeof oauth.introspectionRequest,
  process: (as: oauth.AuthorizationServer, client: oauth.Client, response: Response) => Promise<T>,
  wrapFetch?: (fetch: typeof globalThis.fetch) => typeof globalThis.fetch,
): Promise<T> {
  const revocation = kind === "revocation";
  const who = revocation ? "revokeToken" : "introspectToken";
  const { clientId, smartConfig, token, tokenTypeHint } = requireOptionsWithConfig(who, options);
  text(who, clientId, "clientId");
  text(who, token, "token (a non-empty string)");
  const endpoint = smartConfig[`${kind}_endpoint`];
  if (typeof endpoint !== "string")
    throw fail(SmartAuthErrorCode.UnsupportedByServer, `The SMART configuration has no ${kind}_endpoint`);
  const tokens = tokenClient({ ...options, clientAuth: resolveClientAuth(options) });
  const { as, client } = tokens;
  const failed = (response: Response, cause?: unknown) =>
    httpError(
      revocation ? "Revocation endpoint" : "Introspection endpoint",
      endpoint,
      response,
      revocation ? SmartAuthErrorCode.Revocation : SmartAuthErrorCode.Introspection,
      cause,
    );
  return tokens.call(
    endpoint,
    (auth, o) =>
      send(as, client, auth, token, {
        ...o,
        additionalParameters: tokenTypeHint ? { token_type_hint: tokenTypeHint } : {},
      }),
    // the OAuth error fields and status, never the token
    async (response) => {
      if (response.status < 200 || response.status > 299) throw await failed(response);
      return process(as, client, response).catch(async (cause) => {
        throw await failed(response, cause);
      });
    },
    wrapFetch,
  );
}

/**
 * RFC 7662 token introspection (SMART 2.2 token-introspection.html) with the client's own
 * authentication, or a bearer token when the endpoint wants one. Lenient about `active:false`
 * with no other member (E22).
 */
export async function introspectToken(options: IntrospectTokenOptions): Promise<IntrospectionResult> {
  const bearer = options?.bearerToken;
  const result = await callEndpoint(
    options,
    "introspection",
    oauth.introspectionRequest,
    oauth.processIntrospectionResponse,
    // oauth4webapi refuses an authorization header in options.headers; the fetch adds it instead
    (base) =>
      bearer
        ? (input, init) => {
            const headers = new Headers(init?.headers);
            headers.set("authorization", `Bearer ${bearer}`);
            return base(input, { ...init, headers });
          }
        : base,
  );
  return { ...result, scopes: parseScope(typeof result.scope === "string" ? result.scope : "") } as IntrospectionResult;
}
