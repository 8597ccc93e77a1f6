import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import { type Endpoints, smartConfiguration } from "./discovery.js";
import { type FhirServer, operationOutcome } from "./fhir.js";
import { mergeContext } from "./launch.js";
import type { ProviderSetup } from "./provider.js";
import { json } from "./sandbox-server.js";
import { finishInteraction, type SmartLayer } from "./smart-layer.js";
import { countGrant, type FaultState } from "./state.js";
import { handleTokenFaults } from "./token-faults.js";

export const AUTH_PATH = "/auth";
export const EHR_LAUNCH_PATH = "/ehr-launch";

/** What the routes of one sandbox reach: its addresses, the OAuth provider, the SMART layer and the FHIR server. */
export interface RouteContext {
  origin: string;
  fhirBasePath: string;
  endpoints: Endpoints;
  provider: Provider;
  setup: ProviderSetup;
  layer: SmartLayer;
  fhir: FhirServer;
  faults: FaultState;
  /** A SMART v1 server (options.discovery "legacy"): no .well-known document, no `iss` in redirects. */
  legacy: boolean;
  log(line: string): void;
}

interface Router extends RouteContext {
  smartConfig: Record<string, unknown>;
  providerCallback: ReturnType<Provider["callback"]>;
}

/** The request handler of a sandbox: routes each request, answering 500 (logged, no detail) if a route throws. */
export function createRouter(context: RouteContext): (req: IncomingMessage, res: ServerResponse) => void {
  const r: Router = {
    ...context,
    smartConfig: smartConfiguration(context.endpoints),
    providerCallback: context.provider.callback(),
  };
  return (req, res) => {
    void route(r, req, res).catch((err: unknown) => {
      r.log(`internal error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) json(res, 500, { error: "server_error" });
      else res.destroy();
    });
  };
}

async function route(r: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { origin, fhirBasePath, smartConfig, fhir, provider, setup, layer, faults, endpoints, log } = r;
  const { stats } = layer;
  const url = new URL(req.url ?? "/", origin);
  const path = url.pathname;
  // a SMART v1 server (options.discovery "legacy") has no .well-known document: clients fall back to metadata
  if (path === `${fhirBasePath}/.well-known/smart-configuration`) {
    if (r.legacy) send404(res);
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
    routeAuth(r, req, res, url);
    return;
  }
  if (path === EHR_LAUNCH_PATH && req.method === "GET") {
    ehrLaunch(r, res, url);
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
}

function routeAuth(r: Router, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const sub = url.pathname.slice(AUTH_PATH.length) || "/";
  if (sub === "/authorize" && req.method === "POST") {
    // SMART 2.2 app-launch.html#request-4: POST form, replayed as GET so one code path serves both
    void readForm(req).then(
      (form) => {
        req.method = "GET";
        delete req.headers["content-type"];
        delete req.headers["content-length"];
        forwardAuthorize(r, req, res, form);
      },
      () => json(res, 400, { error: "invalid_request", error_description: "unreadable form body" }),
    );
    return;
  }
  if (sub === "/authorize" && req.method === "GET") {
    forwardAuthorize(r, req, res, url.searchParams);
    return;
  }
  forward(r, req, res, `${sub}${url.search}`);
}

function forwardAuthorize(r: Router, req: IncomingMessage, res: ServerResponse, params: URLSearchParams): void {
  // offline_access is dropped by OIDC rules unless prompt=consent: ask for it on the app's behalf
  const scopes = (params.get("scope") ?? "").split(" ");
  if (scopes.includes("offline_access")) {
    const prompt = (params.get("prompt") ?? "").split(" ").filter(Boolean);
    if (!prompt.includes("consent") && !prompt.includes("none")) params.set("prompt", [...prompt, "consent"].join(" "));
  }
  forward(r, req, res, `/authorize?${params.toString()}`);
}

function forward(r: Router, req: IncomingMessage, res: ServerResponse, path: string): void {
  if (r.legacy) withoutIssInRedirects(res);
  (req as IncomingMessage & { originalUrl?: string }).originalUrl = `${AUTH_PATH}${path}`;
  req.url = path;
  void r.providerCallback(req, res);
}

function ehrLaunch(r: Router, res: ServerResponse, url: URL): void {
  const { launches } = r.layer;
  const app = url.searchParams.get("app");
  let target: URL;
  try {
    target = new URL(app ?? "");
  } catch {
    json(res, 400, { error: "invalid_request", error_description: "?app= must be the app's absolute launch URL" });
    return;
  }
  let launch = url.searchParams.get("launch");
  if (launch === null || !launches.has(launch))
    launch = launches.create(mergeContext(r.layer.defaultContext(), undefined));
  // SMART 2.2 app-launch.html#launch-app-ehr-launch: iss and launch on the app's launch URL
  target.searchParams.set("iss", r.endpoints.fhirBaseUrl);
  target.searchParams.set("launch", launch);
  res.writeHead(302, { location: target.href, "cache-control": "no-store" });
  res.end();
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
