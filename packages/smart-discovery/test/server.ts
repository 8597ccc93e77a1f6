import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface TestServer {
  origin: string;
  /** Requests seen per path, e.g. `hits("/fhir/.well-known/smart-configuration")`. */
  hits(path: string): number;
  requests: IncomingMessage[];
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

/** A real node:http server on 127.0.0.1, port 0. */
export async function startServer(): Promise<TestServer> {
  const routes = new Map<string, Handler>();
  const counts = new Map<string, number>();
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    requests.push(req);
    const handler = routes.get(path);
    if (handler) handler(req, res);
    else res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits: (path) => counts.get(path) ?? 0,
    requests,
    route: (path, handler) => routes.set(path, handler),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(body: unknown, contentType = "application/json", status = 200): Handler {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return (_req, res) => res.writeHead(status, { "content-type": contentType }).end(text);
}

/** A conformant document whose endpoints live under `origin`. */
export function smartConfig(origin: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuer: `${origin}/auth`,
    jwks_uri: `${origin}/auth/jwks`,
    authorization_endpoint: `${origin}/auth/authorize`,
    token_endpoint: `${origin}/auth/token`,
    token_endpoint_auth_methods_supported: ["client_secret_basic", "private_key_jwt"],
    token_endpoint_auth_signing_alg_values_supported: ["RS384", "ES384"],
    grant_types_supported: ["authorization_code", "client_credentials"],
    scopes_supported: ["openid", "fhirUser", "launch", "launch/patient", "patient/*.rs", "offline_access"],
    response_types_supported: ["code"],
    introspection_endpoint: `${origin}/auth/introspect`,
    revocation_endpoint: `${origin}/auth/revoke`,
    code_challenge_methods_supported: ["S256"],
    capabilities: [
      "launch-ehr",
      "launch-standalone",
      "client-public",
      "client-confidential-symmetric",
      "sso-openid-connect",
      "context-ehr-patient",
      "context-standalone-patient",
      "permission-patient",
      "permission-v2",
    ],
    ...extra,
  };
}
