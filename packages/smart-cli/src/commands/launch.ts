import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { SmartLaunch, type SmartClient } from "@fhir-dsl/smart";
import type { Command } from "../command.js";
import { explainScopes } from "../explain.js";
import { CliError, UsageError, type CliIo } from "../io.js";
import { relative } from "../style.js";
import { scopeRows } from "./scopes.js";

const PAGE = (title: string, body: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${body}</p></body>`;

/** Listens on 127.0.0.1 (RFC 8252 §7.3: loopback IP, not "localhost") until the authorization redirect arrives. */
function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(new CliError(`cannot listen on 127.0.0.1:${port} (${error.code})`, "pick another --port")),
    );
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/** Waits for GET /callback, finishes the launch with the library and answers the browser. */
function awaitCallback(
  server: Server,
  finish: (url: string) => Promise<SmartClient>,
  waitMs: number,
  signal: AbortSignal | undefined,
): Promise<SmartClient> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new CliError(
            `no authorization redirect within ${waitMs / 1000} s`,
            "complete the login in the browser, or raise --wait",
          ),
        ),
      waitMs,
    );
    const onAbort = () => reject(new CliError("launch cancelled"));
    signal?.addEventListener("abort", onAbort, { once: true });
    let done = false;
    server.on("request", (req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (req.method !== "GET" || url.pathname !== "/callback" || done) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      done = true;
      const callback = `http://${req.headers.host ?? "127.0.0.1"}${req.url ?? ""}`;
      finish(callback).then(
        (client) => {
          res
            .writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" })
            .end(PAGE("Launch complete", "You can close this window and return to the terminal."));
          clearTimeout(timer);
          resolve(client);
        },
        (error: unknown) => {
          res
            .writeHead(400, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" })
            .end(PAGE("Launch failed", "See the terminal for the reason."));
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  });
}

export const launchCommand: Command = {
  name: "launch",
  summary: "standalone launch with PKCE through a loopback redirect; prints the launch context",
  usage: "smart launch --fhir-base <url> --client-id <id> [--scope <scopes>]",
  help: `Runs a SMART standalone launch as a native app (RFC 8252): listens on http://127.0.0.1:<port>/callback,
opens the authorization URL in the system browser when it can and always prints it, then exchanges the
code (PKCE S256), verifies the id_token and prints the launch context: patient, encounter, the verified
fhirUser and the granted scopes. Register http://127.0.0.1/callback (any port) or, with --port, the exact
URI with the server. Nothing is stored unless --save is given.

Options:
  --fhir-base <url>       the FHIR server
  --client-id <id>        a public client registered with the loopback redirect URI
  --scope <scopes>        default "launch/patient openid fhirUser patient/*.rs"
  --port <n>              listen on this port (default: a free one)
  --wait <seconds>        how long to wait for the redirect (default 300)
  --no-open               do not try to open a browser
  --save <file>           write the token response (access, refresh and id tokens) to <file>, mode 600
  --print-token           also print the access token

Examples:
  smart launch --fhir-base https://ehr.example.com/fhir --client-id my-cli
  smart launch --fhir-base http://127.0.0.1:8080/fhir --client-id cli --scope "launch/patient openid fhirUser patient/*.rs offline_access" --json`,
  options: {
    "fhir-base": { type: "string" },
    "client-id": { type: "string" },
    scope: { type: "string" },
    port: { type: "string" },
    wait: { type: "string" },
    "no-open": { type: "boolean" },
    save: { type: "string" },
    "print-token": { type: "boolean" },
  },
  async run({ values, positionals, io, paint, spin, transport }) {
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const fhirBaseUrl = values["fhir-base"];
    const clientId = values["client-id"];
    if (typeof fhirBaseUrl !== "string" || !fhirBaseUrl) throw new UsageError("--fhir-base is required");
    if (typeof clientId !== "string" || !clientId) throw new UsageError("--client-id is required");
    const port = number(values.port, "--port", 0, 65_535) ?? 0;
    const waitMs = (number(values.wait, "--wait", 1, 86_400) ?? 300) * 1000;
    const scope =
      typeof values.scope === "string" && values.scope.trim()
        ? values.scope
        : "launch/patient openid fhirUser patient/*.rs";

    const server = await listen(port);
    try {
      const { port: bound } = server.address() as { port: number };
      const redirectUri = `http://127.0.0.1:${bound}/callback`;
      const launch = new SmartLaunch({
        clientId,
        redirectUri,
        scope,
        fhirBaseUrl,
        authorizeMethod: "GET",
        ...transport,
      });
      // the launch is bound to this run (checklist 2.33): a redirect from another run of the CLI is refused
      const session = randomUUID();
      const start = await spin(`discovering ${fhirBaseUrl}`, launch.standaloneLaunch({ session }));
      io.stderr(`Open this URL in a browser to sign in (redirect: ${redirectUri}):\n${start.url}\n`);
      if (values["no-open"] !== true) io.openUrl(start.url);
      const client = await spin(
        "waiting for the authorization redirect",
        awaitCallback(server, (url) => launch.handleCallback(url, { session }), waitMs, io.signal),
      );
      return await report(client, { io, paint, scope, save: values.save, printToken: values["print-token"] === true });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  },
};

function number(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
}

async function report(
  client: SmartClient,
  o: { io: CliIo; paint: import("../style.js").Paint; scope: string; save: unknown; printToken: boolean },
): Promise<{ exitCode: number; data: Record<string, unknown>; text: string }> {
  const { paint } = o;
  const token = await client.getToken();
  const granted = client.scopes.toString();
  const scopes = explainScopes(granted);
  const expiresIn = token.expires_at === undefined ? null : Math.round((token.expires_at - o.io.now()) / 1000);
  if (typeof o.save === "string") {
    await writeFile(o.save, `${JSON.stringify(token, null, 2)}\n`, { mode: 0o600, flag: "w" });
  }
  const context = {
    patient: client.patientId ?? null,
    encounter: client.encounterId ?? null,
    fhirUser: client.fhirUser ?? null,
    fhirContext: client.fhirContext,
    needPatientBanner: client.needPatientBanner ?? null,
    tenant: client.tenant ?? null,
  };
  const data: Record<string, unknown> = {
    fhirBaseUrl: client.fhirBaseUrl,
    clientId: client.clientId,
    context,
    idTokenVerified: client.idTokenClaims !== undefined,
    grantedScope: granted,
    scopeConfirmed: client.scopesConfirmed,
    scopes,
    grantIssues: client.grantIssues.map((issue) => issue.message),
    expiresIn,
    refreshToken: client.canRefresh,
    saved: typeof o.save === "string" ? o.save : null,
    ...(o.printToken && { accessToken: token.access_token }),
  };
  const rows: [string, string][] = [
    ["patient", context.patient ?? paint.dim("(none)")],
    ["encounter", context.encounter ?? paint.dim("(none)")],
    [
      "fhirUser",
      context.fhirUser
        ? `${context.fhirUser} ${paint.green("(id_token verified)")}`
        : paint.dim("(none: ask for openid fhirUser)"),
    ],
  ];
  const lines = [
    `${paint.green("launch complete")} ${client.fhirBaseUrl}`,
    ...rows.map(([k, v]) => `  ${paint.bold(k.padEnd(10))} ${v}`),
    ...context.fhirContext.map((c) => `  ${paint.bold("fhirContext")} ${JSON.stringify(c)}`),
    `  ${paint.bold("expires".padEnd(10))} ${expiresIn === null ? "not given" : relative(expiresIn)}; refresh token: ${client.canRefresh ? "yes" : "no"}`,
    paint.bold("granted scopes"),
    scopeRows(scopes, paint),
    ...client.grantIssues.map((issue) => `  ${paint.yellow(issue.message)}`),
    typeof o.save === "string"
      ? `tokens saved to ${o.save} (mode 600)`
      : paint.dim("nothing stored (--save <file> keeps the tokens)"),
  ];
  if (o.printToken) lines.push(paint.bold("access token"), token.access_token);
  return { exitCode: 0, data, text: lines.join("\n") };
}
