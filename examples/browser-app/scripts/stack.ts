// The built SPA on one origin (a plain static file server, as any host would serve it) and the sandbox on another.
import { createServer, type Server } from "node:http";
import { readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { startSandbox, type Sandbox, type SandboxOptions } from "@fhir-dsl/smart-sandbox";

export const DIST = fileURLToPath(new URL("../dist", import.meta.url));
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};

export interface Stack {
  sandbox: Sandbox;
  /** The SPA's origin, e.g. http://127.0.0.1:4173 */
  appUrl: string;
  /** The app's launch page (registered as its launch URL). */
  launchUrl: string;
  /** The app's redirect URI (its index.html). */
  redirectUri: string;
  /** The sandbox URL that opens the app as an EHR would (iss + launch). */
  ehrLaunchUrl: string;
  /** Rewrite `config.json` (e.g. another scope); the next page load reads it. */
  configure(config?: { scope?: string }): Promise<void>;
  close(): Promise<void>;
}

/**
 * The content security policy recommended in SECURITY.md "Browser apps": scripts from this origin only, network
 * calls to this origin and the FHIR server only, no framing, no plugins, no <base> rewriting.
 */
export const csp = (fhirOrigin: string) =>
  `default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ${fhirOrigin}; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self' ${fhirOrigin}`;

function staticServer(root: string, headers: () => Record<string, string>): Server {
  return createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = normalize(join(root, path.endsWith("/") ? `${path}index.html` : path));
    if (!file.startsWith(root + sep)) return void res.writeHead(404).end();
    readFile(file).then(
      (body) => {
        res.writeHead(200, {
          "content-type": TYPES[extname(file)] ?? "application/octet-stream",
          "cache-control": "no-store",
          ...headers(),
        });
        res.end(body);
      },
      () => res.writeHead(404, { "content-type": "text/plain" }).end("not found"),
    );
  });
}

/** Start the sandbox and serve `dist/` (built by `vite build`), the app registered as a public client. */
export async function startStack(
  options: { appPort?: number; sandbox?: SandboxOptions; dist?: string } = {},
): Promise<Stack> {
  const dist = options.dist ?? DIST;
  let policy = "";
  const server = staticServer(dist, () => ({
    "content-security-policy": policy,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
  }));
  await new Promise<void>((resolve, reject) =>
    server.once("error", reject).listen(options.appPort ?? 0, "127.0.0.1", resolve),
  );
  const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const redirectUri = `${appUrl}/`;
  const launchUrl = `${appUrl}/launch.html`;
  const sandbox = await startSandbox({
    port: 0,
    ...options.sandbox,
    clients: [{ clientId: "browser-app", redirectUris: [redirectUri] }],
  }).catch((error: unknown) => {
    server.close();
    throw error;
  });
  policy = csp(new URL(sandbox.url).origin);
  const configure = (extra: { scope?: string } = {}) =>
    writeFile(
      join(dist, "config.json"),
      `${JSON.stringify({ clientId: "browser-app", fhirBaseUrl: sandbox.fhirBaseUrl, ...extra }, null, 2)}\n`,
    );
  await configure();
  return {
    sandbox,
    appUrl,
    launchUrl,
    redirectUri,
    ehrLaunchUrl: `${sandbox.ehrLaunchEndpoint}?app=${encodeURIComponent(launchUrl)}`,
    configure,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await sandbox.close();
    },
  };
}
