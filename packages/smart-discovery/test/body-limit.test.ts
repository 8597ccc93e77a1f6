/**
 * Issue 15 §2: the discovery document is read with a byte cap (default 1 MiB, `maxResponseBytes`), streamed;
 * over the cap is `discovery_response_too_large` and the connection is dropped; a body that breaks off is a
 * retryable `discovery_network` DiscoveryError. Also limitResponse itself, the piece the core uses.
 */
import type { ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  DiscoveryError,
  DiscoveryErrorCode,
  clearDiscoveryCache,
  discoverSmartConfiguration,
  limitResponse,
} from "../src/index.js";
import { json, smartConfig, startServer, type TestServer } from "./server.js";

const WK = "/.well-known/smart-configuration";
const MiB = 1024 * 1024;
let server: TestServer;
beforeEach(async () => {
  clearDiscoveryCache();
  server = await startServer();
});
afterEach(() => server.close());

async function rejection(promise: Promise<unknown>): Promise<DiscoveryError> {
  const error = await promise.then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );
  expect(DiscoveryError.is(error), String(error)).toBe(true);
  return error as DiscoveryError;
}

/** A JSON document padded to `total` bytes, streamed with backpressure; records how it ended. */
function padded(total: number, seen: { bytes: number; dropped: boolean }) {
  return async (_req: unknown, res: ServerResponse) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.on("close", () => void (seen.dropped = !res.writableFinished));
    const head = `${JSON.stringify(smartConfig(server.origin)).slice(0, -1)},"pad":"`;
    res.write(head);
    seen.bytes = head.length;
    const chunk = Buffer.alloc(64 * 1024, "p");
    while (seen.bytes < total - 2 && !res.destroyed) {
      const part = chunk.subarray(0, Math.min(chunk.length, total - 2 - seen.bytes));
      seen.bytes += part.length;
      if (!res.write(part))
        await new Promise<void>((resolve) => {
          const done = () => (res.off("drain", done).off("close", done), resolve());
          res.on("drain", done).on("close", done);
        });
    }
    if (!res.destroyed) res.end('"}');
  };
}

describe("discovery body cap (issue 15 §2)", () => {
  it("a 400 MiB document: discovery_response_too_large, not retryable, connection dropped, RSS bounded", {
    timeout: 60_000,
  }, async () => {
    const seen = { bytes: 0, dropped: false };
    server.route(`/fhir${WK}`, padded(400 * MiB, seen));
    const before = process.memoryUsage().rss;
    const error = await rejection(discoverSmartConfiguration(`${server.origin}/fhir`, { cache: false }));
    expect(error).toMatchObject({ code: DiscoveryErrorCode.ResponseTooLarge, retryable: false, status: 200 });
    expect(error.message).toContain(String(DEFAULT_MAX_RESPONSE_BYTES));
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.dropped).toBe(true);
    expect(seen.bytes).toBeLessThan(64 * MiB);
    // bounded, far below the 400 MiB sent: RSS also counts socket buffers and heap growth (10-21 MiB measured
    // here, before and after discovery read its body directly), so the bound leaves room for a busy machine
    expect((process.memoryUsage().rss - before) / MiB).toBeLessThan(48);
  });

  it("maxResponseBytes raises the cap (a 2 MiB document is read with 4 MiB) or lowers it; a bad value is misuse", async () => {
    const seen = { bytes: 0, dropped: false };
    server.route(`/big${WK}`, padded(2 * MiB, seen));
    expect((await rejection(discoverSmartConfiguration(`${server.origin}/big`, { cache: false }))).code).toBe(
      DiscoveryErrorCode.ResponseTooLarge,
    );
    const config = await discoverSmartConfiguration(`${server.origin}/big`, {
      cache: false,
      maxResponseBytes: 4 * MiB,
    });
    expect(String(config.pad).length).toBeGreaterThan(MiB);
    server.route(`/small${WK}`, json(smartConfig(server.origin)));
    expect(
      (await rejection(discoverSmartConfiguration(`${server.origin}/small`, { cache: false, maxResponseBytes: 100 })))
        .code,
    ).toBe(DiscoveryErrorCode.ResponseTooLarge);
    await expect(discoverSmartConfiguration(`${server.origin}/small`, { maxResponseBytes: 0 })).rejects.toThrow(
      TypeError,
    );
  });

  it("a body reset mid-way is a retryable discovery_network DiscoveryError", async () => {
    server.route(`/fhir${WK}`, (req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"capabilities":[');
      setTimeout(() => req.socket.destroy(), 20);
    });
    const error = await rejection(discoverSmartConfiguration(`${server.origin}/fhir`, { cache: false }));
    expect(error).toMatchObject({ code: DiscoveryErrorCode.Network, retryable: true });
    expect(error.cause).toBeDefined();
  });
});

describe("limitResponse", () => {
  const toError = (failure: string) => new Error(`body ${failure}`);
  const stream = (chunks: number, size: number) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < chunks; i++) c.enqueue(new Uint8Array(size));
        c.close();
      },
    });

  it("passes a body within the cap through, status and headers kept", async () => {
    const capped = limitResponse(new Response(stream(4, 10), { status: 201, headers: { "x-a": "1" } }), 40, toError);
    expect(capped.status).toBe(201);
    expect(capped.headers.get("x-a")).toBe("1");
    expect((await capped.arrayBuffer()).byteLength).toBe(40);
  });

  it("errors past the cap and cancels the source", async () => {
    let cancelled: unknown;
    const source = new ReadableStream<Uint8Array>({
      pull: (c) => c.enqueue(new Uint8Array(1024)),
      cancel: (reason) => void (cancelled = reason),
    });
    await expect(limitResponse(new Response(source), 10_000, toError).text()).rejects.toThrow("body too_large");
    expect(String(cancelled)).toContain("too_large");
  });

  it("a source that errors becomes the typed error, by kind (timeout or network)", async () => {
    const failing = (error: unknown) => new ReadableStream<Uint8Array>({ pull: (c) => c.error(error) });
    await expect(limitResponse(new Response(failing(new TypeError("terminated"))), 10, toError).text()).rejects.toThrow(
      "body network",
    );
    await expect(
      limitResponse(new Response(failing(new DOMException("t", "TimeoutError"))), 10, toError).text(),
    ).rejects.toThrow("body timeout");
  });

  it("a response without a body (204, HEAD) is returned as it is", () => {
    const empty = new Response(null, { status: 204 });
    expect(limitResponse(empty, 10, toError)).toBe(empty);
  });
});
