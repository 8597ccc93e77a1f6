import * as oauth from "oauth4webapi";
import { requestOptions } from "./endpoint.js";
import { SmartAuthErrorCode } from "./errors.js";
import { callError, endpointCall, requireCallOptions, type TokenEndpointCallOptions } from "./introspection.js";
import { recordingFetch, withoutEcho } from "./redact.js";
import { transportError } from "./token-request.js";

export type RevokeTokenOptions = TokenEndpointCallOptions;

/**
 * RFC 7009 token revocation at `revocation_endpoint`, with the same client authentication as the
 * token requests. Revoking a refresh token usually ends the whole grant.
 */
export async function revokeToken(options: RevokeTokenOptions): Promise<void> {
  requireCallOptions(options, "revokeToken");
  const { as, client, auth, endpoint } = await endpointCall(options, options.smartConfig.revocation_endpoint, "revocation");
  const sent = new Set<string>();
  let response: Response;
  try {
    response = await oauth.revocationRequest(as, client, auth, options.token, {
      ...requestOptions(endpoint, { ...options, fetch: recordingFetch(options.fetch, sent) }),
      ...(options.tokenTypeHint ? { additionalParameters: { token_type_hint: options.tokenTypeHint } } : {}),
    });
  } catch (cause) {
    throw withoutEcho(transportError(cause, endpoint), sent);
  }
  try {
    await oauth.processRevocationResponse(response);
  } catch (cause) {
    throw withoutEcho(callError(cause, endpoint, response, SmartAuthErrorCode.Revocation, "Revocation"), sent);
  }
}
