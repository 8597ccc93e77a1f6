import type { Server } from "node:http";
import type Provider from "oidc-provider";
import { SandboxStorage } from "./adapter.js";
import { driveAuthorization } from "./authorize-driver.js";
import { capabilityStatement, type Endpoints } from "./discovery.js";
import { SandboxError, SandboxErrorCode } from "./errors.js";
import { FhirServer } from "./fhir.js";
import { normaliseSigningKey, processSigningKey } from "./keys.js";
import { builtInContext, LaunchStore, mergeContext } from "./launch.js";
import { createProvider, loadOidcProvider, type ProviderSetup } from "./provider.js";
import { clientRegistrar } from "./register-client.js";
import { AUTH_PATH, createRouter, EHR_LAUNCH_PATH } from "./sandbox-routes.js";
import { type LoopbackServer, listenLoopback } from "./sandbox-server.js";
import { type SmartLayer, smartMiddleware } from "./smart-layer.js";
import { createStats, FaultState } from "./state.js";
import type { ClientRegistration, LaunchContext, Sandbox, SandboxOptions, SandboxStats } from "./types.js";

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`options.${name} must be a positive integer`);
  return value;
}

function checkOptions(options: SandboxOptions): { fhirBasePath: string; port: number } {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("startSandbox(options) takes an options object such as { port: 0 }");
  }
  if (options.host !== undefined && options.host !== "127.0.0.1") {
    throw new TypeError('options.host must be "127.0.0.1": the sandbox binds loopback only');
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new TypeError("options.port must be an integer 0-65535");
  // trailing slashes cut by a linear loop, not a `/+$` regex (issue 15; the one URL policy lives in smart-discovery)
  let fhirBasePath = options.fhirBasePath ?? "/fhir";
  while (fhirBasePath.endsWith("/")) fhirBasePath = fhirBasePath.slice(0, -1);
  if (
    !/^\/[A-Za-z0-9._~\-/]+$/.test(fhirBasePath) ||
    fhirBasePath === AUTH_PATH ||
    fhirBasePath.startsWith(`${AUTH_PATH}/`)
  ) {
    throw new TypeError('options.fhirBasePath must be a path such as "/fhir" or "/r4" (not under /auth)');
  }
  if (options.logger !== undefined && typeof options.logger !== "function") {
    throw new TypeError("options.logger must be a function (line: string) => void");
  }
  if (options.discovery !== undefined && options.discovery !== "well-known" && options.discovery !== "legacy") {
    throw new TypeError('options.discovery must be "well-known" or "legacy"');
  }
  return { fhirBasePath, port };
}

/** The sandbox's public URLs, all under its loopback origin. */
function endpointsFor(origin: string, fhirBasePath: string): Endpoints {
  const issuer = `${origin}${AUTH_PATH}`;
  return {
    url: origin,
    fhirBaseUrl: `${origin}${fhirBasePath}`,
    issuer,
    authorizationEndpoint: `${issuer}/authorize`,
    tokenEndpoint: `${issuer}/token`,
    jwksUri: `${issuer}/jwks`,
    introspectionEndpoint: `${issuer}/introspect`,
    revocationEndpoint: `${issuer}/revoke`,
  };
}

/** Starts a SMART on FHIR authorization server and FHIR endpoint on 127.0.0.1. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const { fhirBasePath, port } = checkOptions(options);
  const legacy = options.discovery === "legacy";
  const accessTokenLifetime = positiveInt("accessTokenLifetimeSeconds", options.accessTokenLifetimeSeconds, 300);
  const refreshTokenLifetime = positiveInt("refreshTokenLifetimeSeconds", options.refreshTokenLifetimeSeconds, 86_400);
  const [mod, signingKey] = await Promise.all([
    loadOidcProvider(),
    options.signingKey ? normaliseSigningKey(options.signingKey) : processSigningKey(),
  ]);
  const log = (line: string) => options.logger?.(line);

  const loopback = await listenLoopback(port);
  const { origin } = loopback;
  const endpoints = endpointsFor(origin, fhirBasePath);
  const storage = new SandboxStorage();
  const faults = new FaultState(accessTokenLifetime);
  const registrations = new Map<string, ClientRegistration>();
  const launches = new LaunchStore();
  const context = { defaults: mergeContext(builtInContext(origin), options.launchContext) };

  const setup: ProviderSetup = {
    issuer: endpoints.issuer,
    fhirBaseUrl: endpoints.fhirBaseUrl,
    signingKey,
    storage,
    faults,
    registrations,
    refreshTokenLifetime,
    launchExists: (id) => launches.has(id),
    log,
  };
  const layer: SmartLayer = {
    grants: new Map(),
    tokenScopes: new Map(),
    launches,
    defaultContext: () => context.defaults,
    stats: createStats(),
  };
  const provider = startProvider(mod, setup, layer, loopback.server);
  const fhir = new FhirServer({
    provider,
    fhirBaseUrl: endpoints.fhirBaseUrl,
    grants: layer.grants,
    stats: layer.stats,
    capabilityStatement: () => capabilityStatement(endpoints, legacy),
  });
  loopback.setHandler(
    createRouter({ origin, fhirBasePath, endpoints, provider, setup, layer, fhir, faults, legacy, log }),
  );

  const registerClient = clientRegistrar(provider, storage, registrations);
  const sandbox = sandboxApi({
    endpoints,
    loopback,
    launches,
    context,
    registerClient,
    faults,
    stats: layer.stats,
    storage,
  });
  for (const client of options.clients ?? []) await sandbox.registerClient(client);
  return sandbox;
}

/** The OAuth provider with the SMART layer on it; a configuration it refuses stops the start (server closed). */
function startProvider(
  mod: Awaited<ReturnType<typeof loadOidcProvider>>,
  setup: ProviderSetup,
  layer: SmartLayer,
  server: Server,
): Provider {
  let provider: Provider;
  try {
    provider = createProvider(mod, setup);
  } catch (cause) {
    server.close();
    throw new SandboxError(SandboxErrorCode.StartFailed, "the OAuth provider could not be configured", { cause });
  }
  provider.use(smartMiddleware(setup, layer));
  // rotateRefreshToken is on: a rotated refresh token presented again revokes its grant (RFC 9700 4.14.2)
  (
    provider.on as (
      name: string,
      listener: (ctx: { oidc?: { route?: string; params?: { grant_type?: unknown } } }) => void,
    ) => void
  ).call(provider, "grant.revoked", (ctx) => {
    if (ctx.oidc?.route === "token" && ctx.oidc.params?.grant_type === "refresh_token")
      layer.stats.grantsRevokedByReuse += 1;
  });
  return provider;
}

interface SandboxParts {
  endpoints: Endpoints;
  loopback: LoopbackServer;
  launches: LaunchStore;
  /** The launch context new launches start from; `setLaunchContext` replaces it. */
  context: { defaults: LaunchContext };
  registerClient: Sandbox["registerClient"];
  faults: FaultState;
  stats: SandboxStats;
  storage: SandboxStorage;
}

/** The `Sandbox` handed to the caller: its URLs, launch helpers, fault switches, counters and close. */
function sandboxApi({
  endpoints,
  loopback,
  launches,
  context,
  registerClient,
  faults,
  stats,
  storage,
}: SandboxParts): Sandbox {
  const { origin } = loopback;
  return {
    ...endpoints,
    ehrLaunchEndpoint: `${origin}${EHR_LAUNCH_PATH}`,
    registerClient,
    setLaunchContext(patch) {
      context.defaults = mergeContext(context.defaults, patch);
    },
    createLaunch(patch) {
      return launches.create(mergeContext(context.defaults, patch));
    },
    ehrLaunchUrl(appLaunchUrl, patch) {
      try {
        new URL(appLaunchUrl);
      } catch (cause) {
        throw new TypeError("ehrLaunchUrl(appLaunchUrl) takes the app's absolute launch URL", { cause });
      }
      const launch = launches.create(mergeContext(context.defaults, patch));
      const q = new URLSearchParams({ app: appLaunchUrl, launch });
      return `${origin}${EHR_LAUNCH_PATH}?${q.toString()}`;
    },
    authorize: (authorizeUrl, init) => driveAuthorization(endpoints.issuer, authorizeUrl, init),
    faults,
    stats,
    async close() {
      await loopback.close();
      storage.clear();
    },
  };
}
