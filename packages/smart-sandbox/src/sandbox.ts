import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type Provider from "oidc-provider";
import { SandboxStorage } from "./adapter.js";
import { driveAuthorization } from "./authorize-driver.js";
import { normaliseRegistration, toClientMetadata } from "./clients.js";
import { capabilityStatement, type Endpoints, smartConfiguration } from "./discovery.js";
import { SANDBOX_INVALID_CLIENT, SANDBOX_START_FAILED, SandboxError } from "./errors.js";
import { FhirServer, operationOutcome } from "./fhir.js";
import { normaliseSigningKey, processSigningKey } from "./keys.js";
import { builtInContext, LaunchStore, mergeContext } from "./launch.js";
import { createProvider, loadOidcProvider, type ProviderSetup } from "./provider.js";
import { finishInteraction, type SmartLayer, smartMiddleware } from "./smart-layer.js";
import { countGrant, createStats, FaultState } from "./state.js";
import { handleTokenFaults } from "./token-faults.js";
import type { ClientRegistration, LaunchContext, Sandbox, SandboxOptions } from "./types.js";

const AUTH_PATH = "/auth";
const EHR_LAUNCH_PATH = "/ehr-launch";

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
    throw new TypeError("options.host must be \"127.0.0.1\": the sandbox binds loopback only");
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError("options.port must be an integer 0-65535");
  // trailing slashes cut by a linear loop, not a `/+$` regex (issue 15; the one URL policy lives in smart-discovery)
  let fhirBasePath = options.fhirBasePath ?? "/fhir";
  while (fhirBasePath.endsWith("/")) fhirBasePath = fhirBasePath.slice(0, -1);
  if (!/^\/[A-Za-z0-9._~\-/]+$/.test(fhirBasePath) || fhirBasePath === AUTH_PATH || fhirBasePath.startsWith(`${AUTH_PATH}/`)) {
    throw new TypeError("options.fhirBasePath must be a path such as \"/fhir\" or \"/r4\" (not under /auth)");
  }
  if (options.logger !== undefined && typeof options.logger !== "function") {
    throw new TypeError("options.logger must be a function (line: string) => void");
  }
  if (options.discovery !== undefined && options.discovery !== "well-known" && options.discovery !== "legacy") {
    throw new TypeError('options.discovery must be "well-known" or "legacy"');
  }
  return { fhirBasePath, port };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
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

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => json(res, 503, { error: "starting" });
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => handler(req, res));
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // the issuer contains the port: listen first, then build the provider
  await new Promise<void>((resolve, reject) => {
    server.once("error", (cause) =>
      reject(new SandboxError(SANDBOX_START_FAILED, `the sandbox could not listen on 127.0.0.1:${port}`, { cause })),
    );
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${origin}${AUTH_PATH}`;
  const endpoints: Endpoints = {
    url: origin,
    fhirBaseUrl: `${origin}${fhirBasePath}`,
    issuer,
    authorizationEndpoint: `${issuer}/authorize`,
    tokenEndpoint: `${issuer}/token`,
    jwksUri: `${issuer}/jwks`,
    introspectionEndpoint: `${issuer}/introspect`,
    revocationEndpoint: `${issuer}/revoke`,
  };

  const storage = new SandboxStorage();
  const faults = new FaultState(accessTokenLifetime);
  const stats = createStats();
  const registrations = new Map<string, ClientRegistration>();
  const launches = new LaunchStore();
  let defaults = mergeContext(builtInContext(origin), options.launchContext);

  const setup: ProviderSetup = {
    issuer,
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
    defaultContext: () => defaults,
    stats,
  };

  let provider: Provider;
  try {
    provider = createProvider(mod, setup);
  } catch (cause) {
    server.close();
    throw new SandboxError(SANDBOX_START_FAILED, "the OAuth provider could not be configured", { cause });
  }
  provider.use(smartMiddleware(setup, layer));
  // rotateRefreshToken is on: a rotated refresh token presented again revokes its grant (RFC 9700 4.14.2)
  (provider.on as (name: string, listener: (ctx: { oidc?: { route?: string; params?: { grant_type?: unknown } } }) => void) => void).call(
    provider,
    "grant.revoked",
    (ctx) => {
      if (ctx.oidc?.route === "token" && ctx.oidc.params?.grant_type === "refresh_token") stats.grantsRevokedByReuse += 1;
    },
  );
  const providerCallback = provider.callback();
  const fhir = new FhirServer({
    provider,
    fhirBaseUrl: endpoints.fhirBaseUrl,
    grants: layer.grants,
    stats,
    capabilityStatement: () => capabilityStatement(endpoints, legacy),
  });
  const smartConfig = smartConfiguration(endpoints);

  const registerClient = async (client: ClientRegistration): Promise<void> => {
    const registration = normaliseRegistration(client);
    const metadata = toClientMetadata(registration);
    try {
      await provider.Client.validate(metadata as never);
    } catch (cause) {
      const detail = (cause as { error_description?: string }).error_description ?? "invalid client metadata";
      throw new SandboxError(SANDBOX_INVALID_CLIENT, `client ${registration.clientId} was refused: ${detail}`, {
        error: "invalid_client_metadata",
        errorDescription: detail,
        cause,
      });
    }
    await storage.adapterFor("Client").upsert(registration.clientId, metadata as never);
    registrations.set(registration.clientId, registration);
  };

  const routeAuth = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const sub = url.pathname.slice(AUTH_PATH.length) || "/";
    if (sub === "/authorize" && req.method === "POST") {
      // SMART 2.2 app-launch.html#request-4: POST form, replayed as GET so one code path serves both
      void readForm(req).then(
        (form) => {
          req.method = "GET";
          delete req.headers["content-type"];
          delete req.headers["content-length"];
          forwardAuthorize(req, res, form);
        },
        () => json(res, 400, { error: "invalid_request", error_description: "unreadable form body" }),
      );
      return;
    }
    if (sub === "/authorize" && req.method === "GET") {
      forwardAuthorize(req, res, url.searchParams);
      return;
    }
    forward(req, res, `${sub}${url.search}`);
  };

  const forwardAuthorize = (req: IncomingMessage, res: ServerResponse, params: URLSearchParams): void => {
    // offline_access is dropped by OIDC rules unless prompt=consent: ask for it on the app's behalf
    const scopes = (params.get("scope") ?? "").split(" ");
    if (scopes.includes("offline_access")) {
      const prompt = (params.get("prompt") ?? "").split(" ").filter(Boolean);
      if (!prompt.includes("consent") && !prompt.includes("none")) params.set("prompt", [...prompt, "consent"].join(" "));
    }
    forward(req, res, `/authorize?${params.toString()}`);
  };

  const forward = (req: IncomingMessage, res: ServerResponse, path: string): void => {
    if (legacy) withoutIssInRedirects(res);
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = `${AUTH_PATH}${path}`;
    req.url = path;
    void providerCallback(req, res);
  };

  handler = (req, res) => {
    void route(req, res).catch((err: unknown) => {
      log(`internal error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) json(res, 500, { error: "server_error" });
      else res.destroy();
    });
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", origin);
    const path = url.pathname;
    // a SMART v1 server (options.discovery "legacy") has no .well-known document: clients fall back to metadata
    if (path === `${fhirBasePath}/.well-known/smart-configuration`) {
      if (legacy) send404(res);
      else json(res, 200, smartConfig, { "access-control-allow-origin": "*", "cache-control": "max-age=60" });
      return;
    }
    if (path === fhirBasePath || path.startsWith(`${fhirBasePath}/`)) {
      await fhir.handle(req, res, url, path.slice(fhirBasePath.length));
      return;
    }
    if (path.startsWith(`${AUTH_PATH}/interaction/`) && req.method === "GET") {
      await finishInteraction(provider, setup, layer, req, res).catch((err: unknown) => {
        const e = err as { status?: number; error?: string; error_description?: string };
        if (res.headersSent || typeof e.error !== "string") throw err;
        log(`interaction: ${e.error}${e.error_description ? ` (${e.error_description})` : ""}`);
        json(res, e.status ?? 400, { error: e.error, error_description: e.error_description });
      });
      return;
    }
    if (path === `${AUTH_PATH}/token` && req.method === "POST") {
      stats.tokenRequests += 1;
      const handled = await handleTokenFaults(req, res, faults, (grantType) => countGrant(stats, grantType));
      if (handled) return;
      // the client gave up during an injected delay: its request stream is gone, and oidc-provider would parse a
      // closed body (and warn "already parsed request body"); nobody waits for an answer
      if (req.destroyed || res.destroyed) return;
    }
    if (path === AUTH_PATH || path.startsWith(`${AUTH_PATH}/`)) {
      routeAuth(req, res, url);
      return;
    }
    if (path === EHR_LAUNCH_PATH && req.method === "GET") {
      ehrLaunch(res, url);
      return;
    }
    if (path === "/smart-style.json") {
      json(res, 200, SMART_STYLE, { "access-control-allow-origin": "*" });
      return;
    }
    if (path === "/" && req.method === "GET") {
      json(res, 200, { ...endpoints, ehrLaunchEndpoint: `${origin}${EHR_LAUNCH_PATH}` });
      return;
    }
    send404(res);
  };

  const ehrLaunch = (res: ServerResponse, url: URL): void => {
    const app = url.searchParams.get("app");
    let target: URL;
    try {
      target = new URL(app ?? "");
    } catch {
      json(res, 400, { error: "invalid_request", error_description: "?app= must be the app's absolute launch URL" });
      return;
    }
    let launch = url.searchParams.get("launch");
    if (launch === null || !launches.has(launch)) launch = launches.create(mergeContext(defaults, undefined));
    // SMART 2.2 app-launch.html#launch-app-ehr-launch: iss and launch on the app's launch URL
    target.searchParams.set("iss", endpoints.fhirBaseUrl);
    target.searchParams.set("launch", launch);
    res.writeHead(302, { location: target.href, "cache-control": "no-store" });
    res.end();
  };

  const sandbox: Sandbox = {
    ...endpoints,
    ehrLaunchEndpoint: `${origin}${EHR_LAUNCH_PATH}`,
    registerClient,
    setLaunchContext(context) {
      defaults = mergeContext(defaults, context);
    },
    createLaunch(context) {
      return launches.create(mergeContext(defaults, context));
    },
    ehrLaunchUrl(appLaunchUrl, context) {
      try {
        new URL(appLaunchUrl);
      } catch (cause) {
        throw new TypeError("ehrLaunchUrl(appLaunchUrl) takes the app's absolute launch URL", { cause });
      }
      const launch = launches.create(mergeContext(defaults, context));
      const q = new URLSearchParams({ app: appLaunchUrl, launch });
      return `${origin}${EHR_LAUNCH_PATH}?${q.toString()}`;
    },
    authorize: (authorizeUrl, init) => driveAuthorization(issuer, authorizeUrl, init),
    faults,
    stats,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      storage.clear();
    },
  };

  for (const client of options.clients ?? []) await sandbox.registerClient(client);
  return sandbox;
}

// A SMART v1 server predates RFC 9207: its authorization responses carry no `iss` (and it publishes no issuer)
function withoutIssInRedirects(res: ServerResponse): void {
  const setHeader = res.setHeader.bind(res);
  res.setHeader = (name, value) => {
    if (name.toLowerCase() === "location" && typeof value === "string" && URL.canParse(value)) {
      const target = new URL(value);
      target.searchParams.delete("iss");
      return setHeader(name, target.href);
    }
    return setHeader(name, value);
  };
}

function send404(res: ServerResponse): void {
  json(res, 404, operationOutcome("not-found", "no such sandbox endpoint"));
}

const SMART_STYLE = {
  color_background: "#edeae3",
  color_error: "#9e2d2d",
  color_highlight: "#69b5ce",
  color_modal_backdrop: "",
  color_success: "#498e49",
  color_text: "#303030",
  dim_border_radius: "6px",
  dim_font_size: "13px",
  dim_spacing_size: "20px",
  font_family_body: "Georgia, Times, 'Times New Roman', serif",
  font_family_heading: "'HelveticaNeue-Light', Helvetica, Arial, 'Lucida Grande', sans-serif",
};

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

