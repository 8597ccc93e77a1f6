import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { SandboxError, SandboxErrorCode } from "./errors.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The sandbox's HTTP server on 127.0.0.1: its origin, a handler set once the provider exists, and close. */
export interface LoopbackServer {
  server: Server;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  setHandler(handler: Handler): void;
  /** Stops listening and drops every open connection (keep-alive ones included). */
  close(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}

/** Listens on 127.0.0.1:`port` (0: any free port), answering 503 until a handler is set. */
export async function listenLoopback(port: number): Promise<LoopbackServer> {
  let handler: Handler = (_req, res) => json(res, 503, { error: "starting" });
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => handler(req, res));
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // the issuer contains the port: listen first, then build the provider
  await new Promise<void>((resolve, reject) => {
    server.once("error", (cause) =>
      reject(
        new SandboxError(SandboxErrorCode.StartFailed, `the sandbox could not listen on 127.0.0.1:${port}`, { cause }),
      ),
    );
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    server,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setHandler: (next) => {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
