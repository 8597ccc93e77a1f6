import * as oauth from "oauth4webapi";
import { callEndpoint, type TokenEndpointCallOptions } from "./introspection.js";

export type RevokeTokenOptions = TokenEndpointCallOptions;

/**
 * RFC 7009 token revocation at `revocation_endpoint`, with the same client authentication as the
 * token requests. Revoking a refresh token usually ends the whole grant.
 */
export async function revokeToken(options: RevokeTokenOptions): Promise<void> {
  await callEndpoint(options, "revocation", oauth.revocationRequest, (_as, _client, response) =>
    oauth.processRevocationResponse(response),
  );
}
