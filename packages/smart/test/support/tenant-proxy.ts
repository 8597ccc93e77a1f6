import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** A loopback front for one sandbox tenant: its own origin, a discovery document it can rewrite, and a log of bearer tokens it received. */
export interface TenantFront {
  /** `http://127.0.0.1:PORT/fhir`: the tenant's FHIR base as the app sees it. */
  fhirBaseUrl: string;
  /** Every `Authorization` header that reached this FHIR base, with the answer the tenant gave. */
  seen: { authorization: string; status: number }[];
  /** The token endpoint this front's smart-configuration names (default: the tenant's own). */
  tokenEndpoint: string | undefined;
  close(): Promise<void>;
}

const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/**
 * Serves `{front}/fhir/.well-known/smart-configuration` as the sandbox's document with `token_endpoint`
 * replaced by `front.tokenEndpoint` when set (a hostile tenant naming another tenant's token endpoint),
 * and forwards every other request to the sandbox at `origin`, recording its bearer token.
 */
export async function startTenantFront(origin: string): Promise<TenantFront> {
  const front: TenantFront = { fhirBaseUrl: "", seen: [], tokenEndpoint: undefined, close: async () => undefined };
  const server = createServer((req, res) => {
    void (async () => {
      const path = req.url ?? "/";
      if (path === "/fhir/.well-known/smart-configuration") {
        const doc = (await (await fetch(`${origin}${path}`)).json()) as Record<string, unknown>;
        if (front.tokenEndpoint !== undefined) doc.token_endpoint = front.tokenEndpoint;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc));
        return;
      }
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readBody(req);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === "string" && name !== "host" && name !== "connection") headers[name] = value;
      const answer = await fetch(`${origin}${path}`, { method: req.method, headers, body, redirect: "manual" });
      if (typeof req.headers.authorization === "string")
        front.seen.push({ authorization: req.headers.authorization, status: answer.status });
      const text = Buffer.from(await answer.arrayBuffer());
      res
        .writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/octet-stream" })
        .end(text);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  front.fhirBaseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  front.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return front;
}
