import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import {
  DiscoveryError,
  InMemoryTokenStore,
  renderAuthorizeForm,
  SmartAuthError,
  SmartAuthErrorCode,
  SmartLaunch,
  type LaunchStart,
  type TokenStore,
} from "@fhir-dsl/smart";
import type { Sandbox } from "@fhir-dsl/smart-sandbox";
import { Hono, type Context } from "hono";
import { FhirError, loadPatientChart } from "./fhir.js";
import { errorPage, patientPage, startPage } from "./pages.js";
import { LaunchKinds, launchLabel, type LaunchKind } from "./launch-label.js";
import { RateLimit } from "./rate-limit.js";
import { Launches, randomId, Sessions, type SessionCookieOptions } from "./sessions.js";

export interface AppOptions {
  /** Port on 127.0.0.1; default 0 (a free one). */
  port?: number;
  /** Use this sandbox: the app registers itself there as a public client. */
  sandbox?: Sandbox;
  /** Or a real SMART server: its FHIR base and the client id registered there (redirect URI `<app>/callback`). */
  fhirBaseUrl?: string;
  clientId?: string;
  /** Where each launch's tokens live; default in memory. */
  tokenStore?: TokenStore;
  /** Default: patient context, identity, refresh, and read access to Patient and Observation. */
  scope?: string;
  /** Session cookie settings: the HMAC secret (share it between instances) and `secure` behind a TLS proxy. */
  session?: SessionCookieOptions;
  /** Launch starts per client address and window (default 20 a minute); over it the answer is 429 (F18). */
  launchRateLimit?: { max: number; windowMs: number };
  /** The client a launch start is counted for (default the socket's address; behind a proxy, its forwarded address). */
  clientAddress?: (c: Context) => string;
  /** Most pages one FHIR search follows through `next` links (default 100). */
  maxPages?: number;
}

export interface RunningApp {
  url: string;
  /** The EHR launch URL to give the EHR: `<app>/launch`. */
  launchUrl: string;
  redirectUri: string;
  fhirBaseUrl: string;
  clientId: string;
  close(): Promise<void>;
}

export const DEFAULT_SCOPE = "launch/patient openid fhirUser offline_access patient/Patient.rs patient/Observation.rs";

/** Start the example app (Hono on @hono/node-server) on 127.0.0.1. */
export async function startApp(options: AppOptions = {}): Promise<RunningApp> {
  const fhirBaseUrl = options.sandbox?.fhirBaseUrl ?? options.fhirBaseUrl;
  if (!fhirBaseUrl) throw new TypeError("startApp needs sandbox, or fhirBaseUrl and clientId");
  const clientId = options.clientId ?? (options.sandbox ? `example-app-${randomId().slice(0, 8)}` : undefined);
  if (!clientId) throw new TypeError("startApp with fhirBaseUrl needs clientId");
  const app = new Hono();
  const server = serve({
    fetch: app.fetch,
    port: options.port ?? 0,
    hostname: "127.0.0.1",
    overrideGlobalObjects: false,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const redirectUri = `${url}/callback`;

  // SMART 2.2 app-launch.html#register-app-with-ehr: a public client, PKCE protects the code
  await options.sandbox?.registerClient({ clientId, redirectUris: [redirectUri], tokenEndpointAuthMethod: "none" });

  const tokenStore = options.tokenStore ?? new InMemoryTokenStore();
  const launches = new Launches({ tokenStore, clientId, fhirBaseUrl });
  const sessions = new Sessions(options.session);
  const limit = options.launchRateLimit ?? { max: 20, windowMs: 60_000 };
  const starts = new RateLimit(limit.max, limit.windowMs);
  const clientAddress =
    options.clientAddress ??
    ((c: Context) =>
      (c.env as { incoming?: { socket?: { remoteAddress?: string } } }).incoming?.socket?.remoteAddress ?? "unknown");
  const smart = new SmartLaunch({
    clientId,
    redirectUri,
    scope: options.scope ?? DEFAULT_SCOPE,
    fhirBaseUrl, // the allow-list of EHR `iss` values: only this server
    tokenStore,
    // /callback passes a key per launch; SmartLaunch wants a default too when it holds a tokenStore
    storeKey: ({ record }) => `app:launch:${record.state}`,
  });

  app.use(async (c, next) => {
    await next();
    c.header("referrer-policy", "no-referrer"); // the callback URL carries the code
    c.header("x-content-type-options", "nosniff");
    c.header("cache-control", "no-store");
  });

  app.get("/", (c) =>
    c.html(startPage(fhirBaseUrl, launches.list(sessions.current(c)), options.sandbox !== undefined)),
  );

  // F18: a launch start costs the server a pending record for 10 minutes and needs no login
  const rateLimited = async (c: Context, next: () => Promise<void>) => {
    const wait = starts.take(clientAddress(c));
    if (wait === 0) return next();
    c.header("retry-after", String(wait));
    return c.html(
      errorPage("Too many sign-ins", "This browser started too many launches. Wait a minute and try again."),
      429,
    );
  };
  // which kind each pending launch is, for the start page's list (issue 19: launches told apart)
  const kinds = new LaunchKinds();
  app.use("/standalone", rateLimited);
  app.use("/launch", rateLimited);

  // SMART 2.2 app-launch.html#launch-app-standalone-launch
  app.post("/standalone", (c) =>
    begin(c, sessions, (binding) => smart.standaloneLaunch({ session: binding }), kinds, "Standalone"),
  );

  // SMART 2.2 app-launch.html#launch-app-ehr-launch: iss is checked against the allow-list before any request (E15)
  app.get("/launch", (c) =>
    begin(c, sessions, (binding) => smart.ehrLaunch(new URL(c.req.url), { session: binding }), kinds, "EHR"),
  );

  // SMART 2.2 app-launch.html#response-4: state first (bound to this browser), then code or error
  app.get("/callback", async (c) => {
    const binding = sessions.launchBinding(c);
    // login: a new session id (OWASP session fixation), the old session's launches move to it
    const previous = sessions.current(c);
    const session = randomId();
    const ctx = randomId();
    // no binding cookie: an empty one never matches a launch's binding, so this is invalid_state, never unbound
    const client = await smart.handleCallback(new URL(c.req.url), {
      session: binding ?? "",
      storeKey: launches.storeKey(session, ctx),
    });
    sessions.issue(c, session);
    await launches.move(previous, session);
    launches.add(session, ctx, client, launchLabel(kinds.take(c.req.query("state")), client.patientId, new Date()));
    return c.redirect(`/patient/${ctx}`, 303);
  });

  app.get("/patient", (c) => {
    const last = launches.list(sessions.current(c)).at(-1);
    return c.redirect(last ? `/patient/${last.ctx}` : "/", 303);
  });

  app.get("/patient/:ctx", async (c) => {
    const session = sessions.current(c);
    const ctx = c.req.param("ctx");
    const client = await launches.get(session, ctx);
    if (!client)
      return c.html(
        errorPage("No such launch", "This launch is not part of your browser session. Launch the app again."),
        404,
      );
    const patientId = client.patientId;
    if (!patientId)
      return c.html(errorPage("No patient selected", "The server did not give this launch a patient context."), 400);
    try {
      const chart = await loadPatientChart(client.fetch, client.fhirBaseUrl, patientId, options.maxPages);
      return c.html(
        patientPage({
          ...chart,
          showBanner: client.needPatientBanner === true,
          user: client.fhirUser,
          expiresAt: client.token?.expires_at,
        }),
      );
    } catch (error) {
      if (SmartAuthError.is(error, SmartAuthErrorCode.ReauthorizationRequired)) launches.drop(session!, ctx);
      throw error;
    }
  });

  app.onError((error, c) => {
    const [status, page] = explain(error);
    return c.html(page, status);
  });

  return {
    url,
    launchUrl: `${url}/launch`,
    redirectUri,
    fhirBaseUrl,
    clientId,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

/**
 * Start a launch bound to this browser, then send the browser to the authorization server: a redirect,
 * or an auto-submitted form when the request must be a POST.
 */
async function begin(
  c: Context,
  sessions: Sessions,
  start: (binding: string) => Promise<LaunchStart>,
  kinds: LaunchKinds,
  kind: LaunchKind,
): Promise<Response> {
  const binding = randomId();
  const launch = await start(binding);
  sessions.bindLaunch(c, launch.state, binding);
  kinds.put(launch.state, kind);
  if (launch.method === "GET") return c.redirect(launch.url, 302);
  return c.html(renderAuthorizeForm(launch));
}

/** Status and readable page for a failure; messages carry codes and URLs, never tokens. */
function explain(error: unknown): [400 | 403 | 404 | 401 | 429 | 502 | 500, ReturnType<typeof errorPage>] {
  if (SmartAuthError.is(error)) {
    switch (error.code) {
      case SmartAuthErrorCode.AuthorizationDenied:
        return [
          403,
          errorPage("Authorization was not granted", "The authorization server did not grant this app access.", [
            ["error", error.error],
            ["description", error.errorDescription],
          ]),
        ];
      case SmartAuthErrorCode.InvalidState:
        return [
          400,
          errorPage(
            "This sign-in has expired",
            "The sign-in was already used, took too long, or started in another browser. Launch the app again.",
          ),
        ];
      case SmartAuthErrorCode.UntrustedIssuer:
        return [400, errorPage("Unknown EHR", "This app is not configured for the FHIR server that launched it.")];
      case SmartAuthErrorCode.InvalidCallback:
        return [400, errorPage("Incomplete launch", error.message)];
      case SmartAuthErrorCode.LaunchLimit:
        return [
          429,
          errorPage(
            "Too many sign-ins",
            "Too many launches are waiting for their sign-in. Finish one, or try again in a few minutes.",
          ),
        ];
      case SmartAuthErrorCode.ReauthorizationRequired:
        return [401, errorPage("Session ended", "The server no longer accepts this session. Launch the app again.")];
      default:
        return [
          502,
          errorPage("The authorization server failed", error.message, [
            ["code", error.code],
            ["error", error.error],
          ]),
        ];
    }
  }
  if (error instanceof FhirError) return [502, errorPage("The FHIR server failed", error.message)];
  if (DiscoveryError.is(error)) return [502, errorPage("The FHIR server cannot be used", error.message)];
  console.error("app-launch: unexpected error:", error instanceof Error ? error.message : String(error));
  return [500, errorPage("Something went wrong", "An unexpected error happened. Launch the app again.")];
}
