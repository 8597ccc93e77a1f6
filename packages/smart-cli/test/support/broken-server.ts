import { createServer, type Server } from "node:http";

export interface BrokenServer {
  /** FHIR base of the broken server: http://127.0.0.1:PORT/fhir */
  fhirBaseUrl: string;
  origin: string;
  close(): Promise<void>;
}

type Doc = Record<string, unknown>;

/**
 * A loopback server that serves a SMART configuration derived from a good one (the sandbox's), broken on purpose
 * by `mutate`; an OpenID configuration, a JWKS and a CapabilityStatement can be served beside it.
 */
export async function brokenServer(routes: {
  smart: (origin: string) => Doc;
  openid?: (origin: string) => Doc;
  jwks?: Doc;
  metadata?: (origin: string) => Doc;
  cors?: boolean;
  /** Answers POST /auth/token with this JSON, and records each request body. */
  token?: { response: Doc; bodies: string[] };
}): Promise<BrokenServer> {
  const server: Server = createServer((req, res) => {
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const send = (body: unknown) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    const path = new URL(req.url ?? "/", origin).pathname;
    if (req.method === "OPTIONS" && path === "/auth/token") {
      if (routes.cors)
        res
          .setHeader("access-control-allow-origin", String(req.headers.origin))
          .setHeader("access-control-allow-methods", "POST");
      return res.writeHead(204).end();
    }
    if (req.method === "POST" && path === "/auth/token" && routes.token) {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        routes.token?.bodies.push(Buffer.concat(chunks).toString());
        send(routes.token?.response);
      });
      return;
    }
    if (path === "/fhir/.well-known/smart-configuration") return send(routes.smart(origin));
    if (path === "/auth/.well-known/openid-configuration" && routes.openid) return send(routes.openid(origin));
    if (path === "/auth/jwks" && routes.jwks) return send(routes.jwks);
    if (path === "/fhir/metadata" && routes.metadata) return send(routes.metadata(origin));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    fhirBaseUrl: `${origin}/fhir`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A port with nothing listening (bound then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
