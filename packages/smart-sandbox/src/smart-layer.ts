import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import type { KoaContextWithOIDC } from "oidc-provider";
import { absoluteFhirUser, contextForGrant, type LaunchStore, tokenResponseMembers } from "./launch.js";
import { grantableResourceScopes, grantableStaticScopes, type ProviderSetup } from "./provider.js";
import { STATIC_SCOPES, splitScope } from "./scopes.js";
import { countGrant, type GrantInfo } from "./state.js";
import type { LaunchContext, SandboxStats } from "./types.js";

export interface SmartLayer {
  grants: Map<string, GrantInfo>;
  /** Full granted scope (OIDC + resource) per access token jti, for introspection. */
  tokenScopes: Map<string, string>;
  launches: LaunchStore;
  defaultContext(): LaunchContext;
  stats: SandboxStats;
}

/** Finishes login and consent in one step, without a UI, binding the launch context to a new grant. */
export async function finishInteraction(
  provider: Provider,
  setup: ProviderSetup,
  layer: SmartLayer,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const params = details.params as Record<string, unknown>;
  const clientId = String(params.client_id);

  if (setup.faults.denyNext !== undefined) {
    const error = setup.faults.denyNext;
    setup.faults.denyNext = undefined;
    await provider.interactionFinished(
      req,
      res,
      { error, error_description: "authorization refused by the sandbox (faults.denyNextAuthorization)" },
      { mergeWithLastSubmission: false },
    );
    return;
  }

  const requested = splitScope(typeof params.scope === "string" ? params.scope : "");
  const staticScopes = grantableStaticScopes(setup, clientId, requested);
  const staticRequested = requested.filter((s) => (STATIC_SCOPES as readonly string[]).includes(s));
  const resourceScopes = grantableResourceScopes(setup, clientId, requested, false);
  const launchId = typeof params.launch === "string" ? params.launch : undefined;
  const context = contextForGrant(
    launchId ? layer.launches.get(launchId) : undefined,
    layer.defaultContext(),
    new Set(staticScopes),
  );
  const accountId = context.fhirUser ?? "anonymous";

  const grant = new provider.Grant({ accountId, clientId });
  if (staticScopes.length) grant.addOIDCScope(staticScopes.join(" "));
  const rejected = staticRequested.filter((s) => !staticScopes.includes(s));
  if (rejected.length) grant.rejectOIDCScope(rejected.join(" "));
  const resource = typeof params.resource === "string" ? params.resource : setup.fhirBaseUrl;
  if (resourceScopes.length) grant.addResourceScope(resource, resourceScopes.join(" "));
  const grantId = await grant.save();
  layer.grants.set(grantId, { context, staticScopes });

  await provider.interactionFinished(
    req,
    res,
    { login: { accountId }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

type Body = Record<string, unknown>;

/** Koa middleware run around every provider route: SMART members in token responses, stats, faults. */
export function smartMiddleware(setup: ProviderSetup, layer: SmartLayer) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    const route = ctx.oidc?.route;
    if (route === "token") {
      const grantType = ctx.oidc.params?.grant_type ?? (ctx.oidc.body as Body | undefined)?.grant_type;
      countGrant(layer.stats, grantType);
      // processed already (the presented refresh token is spent); only the answer is late
      if (grantType === "refresh_token" && setup.faults.refreshDelayMs > 0)
        await new Promise((resolve) => setTimeout(resolve, setup.faults.refreshDelayMs));
      const body = ctx.body as Body | undefined;
      if (ctx.status !== 200 || !body || typeof body.access_token !== "string") return;
      if (grantType === "refresh_token" && setup.faults.invalidGrantNextRefresh) {
        setup.faults.invalidGrantNextRefresh = false;
        ctx.status = 400;
        ctx.body = {
          error: "invalid_grant",
          error_description: "refresh token refused by the sandbox (faults.invalidGrantOnNextRefresh)",
        };
        return;
      }
      decorateTokenResponse(ctx, body, setup, layer);
      layer.stats.tokensIssued += 1;
    } else if (route === "introspection") {
      layer.stats.introspections += 1;
      const body = ctx.body as Body | undefined;
      if (ctx.status === 200 && body?.active === true) decorateIntrospection(ctx, body, setup, layer);
    } else if (route === "revocation") {
      layer.stats.revocations += 1;
    }
  };
}

interface Entities {
  Grant?: { jti: string; getOIDCScopeFiltered(scopes: Set<string>): string };
  AccessToken?: { jti: string; scope?: string };
  ClientCredentials?: { jti: string; scope?: string };
  AuthorizationCode?: { scope?: string };
  RefreshToken?: { scope?: string };
  RotatedRefreshToken?: { scope?: string };
}

function decorateTokenResponse(ctx: KoaContextWithOIDC, body: Body, setup: ProviderSetup, layer: SmartLayer): void {
  const entities = ctx.oidc.entities as Entities;
  const grant = entities.Grant;
  const token = entities.AccessToken ?? entities.ClientCredentials;
  if (grant && entities.AccessToken) {
    // the provider returns only the FHIR resource scopes; SMART's scope also lists openid, launch/patient, ...
    const paramScope = ctx.oidc.params?.scope;
    const source = splitScope(
      typeof paramScope === "string" && paramScope
        ? paramScope
        : (entities.AuthorizationCode?.scope ?? entities.RotatedRefreshToken?.scope ?? entities.RefreshToken?.scope),
    );
    const granted = new Set([
      ...splitScope(grant.getOIDCScopeFiltered(new Set(source))),
      ...splitScope(typeof body.scope === "string" ? body.scope : ""),
    ]);
    const ordered = [...source.filter((s) => granted.has(s)), ...[...granted].filter((s) => !source.includes(s))];
    body.scope = ordered.join(" ");
    const info = layer.grants.get(grant.jti);
    if (info) {
      // SMART 2.2 app-launch.html#response-5: launch context beside the access token, on refresh too
      Object.assign(body, tokenResponseMembers(info.context));
    }
  }
  if (token && typeof body.scope === "string") layer.tokenScopes.set(token.jti, body.scope);

  const { faults } = setup;
  if (faults.omitScope) delete body.scope;
  if (faults.omitExpires) delete body.expires_in;
  else if (faults.expiresString && body.expires_in !== undefined) body.expires_in = String(body.expires_in);
  if (faults.tokenTypeValue !== undefined) body.token_type = faults.tokenTypeValue;
}

function decorateIntrospection(ctx: KoaContextWithOIDC, body: Body, setup: ProviderSetup, layer: SmartLayer): void {
  const entities = ctx.oidc.entities as Entities;
  const token = entities.AccessToken ?? entities.ClientCredentials;
  if (token) {
    const scope = layer.tokenScopes.get(token.jti);
    if (scope !== undefined) body.scope = scope;
  }
  const grant = entities.Grant;
  const info = grant ? layer.grants.get(grant.jti) : undefined;
  if (info) {
    // SMART 2.2 token-introspection.html#required-fields-in-the-introspection-response
    const { patient, encounter, fhirUser } = info.context;
    if (patient !== undefined) body.patient = patient;
    if (encounter !== undefined) body.encounter = encounter;
    if (fhirUser !== undefined && info.staticScopes.includes("fhirUser"))
      body.fhirUser = absoluteFhirUser(setup.fhirBaseUrl, fhirUser);
  }
}
