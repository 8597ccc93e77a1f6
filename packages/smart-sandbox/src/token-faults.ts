import type { IncomingMessage, ServerResponse } from "node:http";
import type { FaultState } from "./state.js";

const ERROR_FOR_STATUS: Record<number, string> = {
  400: "invalid_request",
  401: "invalid_client",
  429: "temporarily_unavailable",
  503: "temporarily_unavailable",
};

async function grantTypeOf(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8")).get("grant_type") ?? undefined;
}

/** Applies the token endpoint fault switches; true when the request was answered (or dropped) here. */
export async function handleTokenFaults(
  req: IncomingMessage,
  res: ServerResponse,
  faults: FaultState,
  count: (grantType: string | undefined) => void,
): Promise<boolean> {
  // a browser app must see the injected status, not a CORS failure
  const origin = req.headers.origin;
  if (typeof origin === "string") res.setHeader("access-control-allow-origin", origin);
  if (faults.resetCount > 0) {
    faults.resetCount -= 1;
    count(await grantTypeOf(req));
    req.socket.destroy();
    return true;
  }
  if (faults.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.delayMs));
  if (faults.failCount > 0) {
    faults.failCount -= 1;
    count(await grantTypeOf(req));
    const status = faults.failStatus;
    const error = ERROR_FOR_STATUS[status] ?? (status >= 500 ? "server_error" : "invalid_request");
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", pragma: "no-cache" });
    res.end(JSON.stringify({ error, error_description: "failure injected by the sandbox (faults.failTokenRequests)" }));
    return true;
  }
  if (faults.htmlCount > 0) {
    faults.htmlCount -= 1;
    count(await grantTypeOf(req));
    const status = faults.htmlStatus;
    res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(
      `<!doctype html><html><head><title>${status} Bad Gateway</title></head><body><center><h1>${status} Bad Gateway</h1></center><hr><center>nginx</center></body></html>`,
    );
    return true;
  }
  return false;
}
