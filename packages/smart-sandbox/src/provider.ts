import type { JWK } from "jose";
import type Provider from "oidc-provider";
import type { Configuration, KoaContextWithOIDC } from "oidc-provider";
import type { SandboxStorage } from "./adapter.js";
import { corsOrigins } from "./clients.js";
import { escapeHtml } from "./html.js";
import { absoluteFhirUser } from "./launch.js";
import { parseResourceScope, STATIC_SCOPES, splitScope, withinLimit } from "./scopes.js";
import type { FaultState } from "./state.js";
import type { ClientRegistration } from "./types.js";

type OidcModule = typeof import("oidc-provider");

let oidcModule: Promise<OidcModule> | undefined;

// oidc-provider warns "Unsupported runtime" on Node 20 at import time: harmless, so keep it out of the output.
export function loadOidcProvider(): Promise<OidcModule> {
  oidcModule ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === "string" && args[0].includes("Unsupported runtime")) return;
      warn(...args);
    };
    try {
      return await import("oidc-provider");
    } finally {
      console.warn = warn;
    }
  })();
  return oidcModule;
}

export interface ProviderSetup {
  issuer: string;
  fhirBaseUrl: string;
  signingKey: JWK;
  storage: SandboxStorage;
  faults: FaultState;
  registrations: Map<string, ClientRegistration>;
  refreshTokenLifetime: number;
  launchExists(id: string): boolean;
  log(line: string): void;
}

/** Scopes requested in the current provider request: scope param, or those of the code / refresh token. */
function requestedScopes(ctx: KoaContextWithOIDC): string[] {
  const oidc = ctx.oidc;
  const fromParam = typeof oidc.params?.scope === "string" ? splitScope(oidc.params.scope) : [];
  if (fromParam.length) return fromParam;
  const entities = oidc.entities as Record<string, { scope?: string } | undefined>;
  return splitScope(entities.AuthorizationCode?.scope ?? entities.RefreshToken?.scope);
}

/** The SMART resource scopes a client may get out of `requested`, after its limit and the narrowScope fault. */
export function grantableResourceScopes(
  setup: Pick<ProviderSetup, "faults" | "registrations">,
  clientId: string,
  requested: string[],
  backend: boolean,
): string[] {
  const limit = setup.registrations.get(clientId)?.scope;
  const scopes = requested.filter((s) => {
    const parsed = parseResourceScope(s);
    if (!parsed) return false;
    // SMART 2.2 backend-services.html#scopes: a backend client acts for itself, so only system/ scopes apply
    if (backend && parsed.context !== "system") return false;
    return withinLimit(limit, s);
  });
  return setup.faults.applyNarrowing(scopes);
}

/** The OIDC / launch scopes a client may get out of `requested`. */
export function grantableStaticScopes(
  setup: Pick<ProviderSetup, "faults" | "registrations">,
  clientId: string,
  requested: string[],
): string[] {
  const limit = setup.registrations.get(clientId)?.scope;
  const statics = new Set<string>(STATIC_SCOPES);
  return setup.faults.applyNarrowing(requested.filter((s) => statics.has(s) && withinLimit(limit, s)));
}

export function createProvider(mod: OidcModule, setup: ProviderSetup): Provider {
  const configuration: Configuration = {
    ...baseConfiguration(setup),
    extraParams: smartParams(mod.errors, setup),
    features: providerFeatures(mod.errors, setup),
    assertJwtClientAuthClaimsAndHeader: clientAssertionCheck(mod.errors),
    fetch: loopbackFetch,
    renderError,
  };
  const provider = new mod.Provider(setup.issuer, configuration);
  logProviderErrors(provider, setup.log);
  return provider;
}

type ProviderErrors = OidcModule["errors"];

/** Keys, clients, scopes, algorithms, routes, lifetimes and accounts: the provider's settings that are plain data. */
function baseConfiguration(setup: ProviderSetup): Configuration {
  const { issuer, fhirBaseUrl, faults } = setup;
  return {
    adapter: (name: string) => setup.storage.adapterFor(name),
    clients: [],
    jwks: { keys: [setup.signingKey as never] },
    cookies: { keys: [crypto.randomUUID(), crypto.randomUUID()] },
    scopes: [...STATIC_SCOPES],
    claims: { openid: ["sub"], fhirUser: ["fhirUser"] },
    // keep fhirUser in the id_token even though the access token is for the FHIR server
    conformIdTokenClaims: false,
    responseTypes: ["code"],
    allowOmittingSingleRegisteredRedirectUri: false,
    clientAuthMethods: ["none", "client_secret_basic", "client_secret_post", "private_key_jwt"],
    enabledJWA: {
      // SMART 2.2 client-confidential-asymmetric.html#signature-algorithms: RS384 and ES384
      clientAuthSigningAlgValues: ["RS384", "ES384"],
      idTokenSigningAlgValues: ["RS256"],
    },
    // SMART 2.2 app-launch.html#considerations-for-pkce-support: PKCE S256 for every client
    pkce: { required: () => true },
    routes: {
      authorization: "/authorize",
      token: "/token",
      jwks: "/jwks",
      introspection: "/introspect",
      revocation: "/revoke",
      userinfo: "/userinfo",
      end_session: "/logout",
      pushed_authorization_request: "/par",
    },
    ttl: {
      AccessToken: () => faults.accessTokenLifetime,
      ClientCredentials: () => faults.accessTokenLifetime,
      RefreshToken: () => setup.refreshTokenLifetime,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 86_400,
      Grant: () => setup.refreshTokenLifetime + 3600,
    },
    rotateRefreshToken: true,
    // SMART 2.2 scopes-and-launch-context.html#refresh-tokens: offline_access or online_access
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed("refresh_token") &&
      (code.scopes.has("offline_access") || code.scopes.has("online_access")),
    // SMART 2.2 app-launch.html#considerations-for-cross-origin-resource-sharing-cors-support: registered origins only;
    // the origin is echoed, never "*", and no Access-Control-Allow-Credentials is sent
    clientBasedCORS: (_ctx, origin, client) => corsOrigins(setup.registrations.get(client.clientId)).has(origin),
    interactions: {
      url: (_ctx, interaction) => `${new URL(issuer).pathname}/interaction/${interaction.uid}`,
    },
    ...grantsAndAccounts(fhirBaseUrl),
  };
}

/** Each interaction makes its own grant, and every account's fhirUser is an absolute URL on the FHIR server. */
function grantsAndAccounts(fhirBaseUrl: string): Configuration {
  return {
    // only the grant the interaction just made, so every launch gets its own context
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({
        sub,
        fhirUser: absoluteFhirUser(fhirBaseUrl, sub),
      }),
    }),
  };
}

/** The SMART parameters of an authorization request: aud and state required, launch known. */
function smartParams(errors: ProviderErrors, setup: ProviderSetup): Configuration["extraParams"] {
  const { fhirBaseUrl } = setup;
  return {
    // SMART 2.2 app-launch.html#request-4: aud is required and names the FHIR server
    aud: (ctx, value) => {
      if (ctx.oidc.route !== "authorization" && ctx.oidc.route !== "resume") return;
      if (value === undefined || value === "") {
        throw new errors.InvalidRequest("missing required parameter 'aud' (the FHIR base URL)");
      }
      if (value !== fhirBaseUrl) {
        throw new errors.InvalidTarget(`aud must be the FHIR base URL ${fhirBaseUrl}`);
      }
    },
    launch: (_ctx, value) => {
      if (value !== undefined && (typeof value !== "string" || !setup.launchExists(value))) {
        throw new errors.InvalidRequest("unknown launch parameter");
      }
    },
    // SMART 2.2 app-launch.html#request-4: state is required
    state: (ctx, value) => {
      if (ctx.oidc.route !== "authorization") return;
      if (value === undefined || value === "") {
        throw new errors.InvalidRequest("missing required parameter 'state'");
      }
    },
  };
}

/** Client credentials, introspection, revocation, and the FHIR server as the one resource (RFC 8707). */
function providerFeatures(errors: ProviderErrors, setup: ProviderSetup): Configuration["features"] {
  const { fhirBaseUrl, faults } = setup;
  return {
    devInteractions: { enabled: false },
    userinfo: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async () => true },
    revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
    resourceIndicators: {
      enabled: true,
      // SMART's aud is the RFC 8707 resource
      defaultResource: async (ctx) => {
        const aud = ctx.oidc.params?.aud;
        return typeof aud === "string" && aud ? aud : fhirBaseUrl;
      },
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, resourceIndicator, client) => {
        if (resourceIndicator !== fhirBaseUrl) {
          throw new errors.InvalidTarget(`aud must be the FHIR base URL ${fhirBaseUrl}`);
        }
        const backend = ctx.oidc.route === "token" && ctx.oidc.params?.grant_type === "client_credentials";
        const scopes = grantableResourceScopes(setup, client.clientId, requestedScopes(ctx), backend);
        if (backend && scopes.length === 0) {
          throw new errors.InvalidScope(
            "no requested scope can be granted: backend clients get system/ scopes",
            requestedScopes(ctx).join(" "),
          );
        }
        return {
          scope: scopes.join(" "),
          audience: fhirBaseUrl,
          accessTokenFormat: "opaque",
          accessTokenTTL: faults.accessTokenLifetime,
        };
      },
    },
  };
}

// SMART 2.2 client-confidential-asymmetric.html#authenticating-to-the-token-endpoint: typ JWT, exp <= 5 min
function clientAssertionCheck(errors: ProviderErrors): Configuration["assertJwtClientAuthClaimsAndHeader"] {
  return async (_ctx, claims, header) => {
    if (header.typ !== "JWT") {
      throw new errors.InvalidClientAuth('client assertion must have the header typ "JWT"');
    }
    if (claims.sub !== claims.iss) {
      throw new errors.InvalidClientAuth("client assertion sub must equal iss (the client_id)");
    }
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp !== "number" || claims.exp > now + 300 + 15) {
      throw new errors.InvalidClientAuth("client assertion exp must be at most 5 minutes in the future");
    }
  };
}

// loopback jwks_uri: oidc-provider's SSRF guard refuses 127.0.0.1, which is all this sandbox talks to
const loopbackFetch: Configuration["fetch"] = (url, options) => {
  const { dispatcher: _dispatcher, ...rest } = options as RequestInit & { dispatcher?: unknown };
  return fetch(url, rest);
};

const renderError: Configuration["renderError"] = async (ctx, out) => {
  if (ctx.accepts("html", "json") === "json") {
    ctx.type = "json";
    ctx.body = out;
    return;
  }
  ctx.type = "html";
  ctx.body = `<!doctype html><html><head><meta charset="utf-8"><title>SMART sandbox: error</title></head><body><h1>${escapeHtml(String(out.error))}</h1><p>${escapeHtml(String(out.error_description ?? ""))}</p></body></html>`;
};

/** Provider errors as one log line each: event, error code and detail. */
function logProviderErrors(provider: Provider, log: (line: string) => void): void {
  const logError =
    (event: string) =>
    (...args: unknown[]) => {
      const err = args.find((a): a is Error => a instanceof Error) as
        | (Error & { error?: string; error_description?: string; error_detail?: string })
        | undefined;
      if (!err) return;
      const detail = err.error_detail ?? err.error_description ?? "";
      log(`${event}: ${err.error ?? err.name}${detail ? ` (${detail})` : ""}`);
    };
  for (const event of [
    "authorization.error",
    "grant.error",
    "introspection.error",
    "revocation.error",
    "server_error",
    "backchannel.error",
  ]) {
    (provider.on as (name: string, listener: (...args: unknown[]) => void) => void).call(
      provider,
      event,
      logError(event),
    );
  }
}
