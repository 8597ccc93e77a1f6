/**
 * Cold start (BENCHMARKS.md #2): the discovery document is read straight from the response's stream, with no
 * second stream and Response built for it. limitResponse (token, introspection, revocation and JWKS answers)
 * keeps the cap and typed errors of issue 15 and behaves as a fetched Response.
 */
import { afterEach, describe, expect, it } from "vitest";
import { clearDiscoveryCache, discoverSmartConfiguration, limitResponse } from "../src/index.js";

const toError = (failure: string) => new Error(`body ${failure}`);
const encoder = new TextEncoder();
const chunks = (...parts: (string | Uint8Array)[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const part of parts) c.enqueue(typeof part === "string" ? encoder.encode(part) : part);
      c.close();
    },
  });
const capped = (body: ReadableStream<Uint8Array> | string, maxBytes = 1_000, headers?: HeadersInit) =>
  limitResponse(new Response(body, { status: 200, headers }), maxBytes, toError);

/** Runs `read` with the global ReadableStream counting its constructions (the library builds its streams with it). */
async function streamsBuilt(read: () => Promise<unknown>): Promise<number> {
  const original = globalThis.ReadableStream;
  let built = 0;
  globalThis.ReadableStream = class extends original<unknown> {
    constructor(...args: ConstructorParameters<typeof ReadableStream>) {
      super(...args);
      built++;
    }
  } as typeof ReadableStream;
  try {
    await read();
  } finally {
    globalThis.ReadableStream = original;
  }
  return built;
}

afterEach(() => clearDiscoveryCache());

describe("limitResponse: a capped body behaves as a fetched Response's", () => {
  it("keeps the cap and the typed errors on the direct read (issue 15): past the cap, a declared length, a reset", async () => {
    await expect(capped(chunks("x".repeat(600), "y".repeat(600))).text()).rejects.toThrow("body too_large");
    await expect(capped(chunks("{}"), 1_000, { "content-length": "5000" }).json()).rejects.toThrow("body too_large");
    const reset = new ReadableStream<Uint8Array>({ pull: (c) => c.error(new TypeError("terminated")) });
    await expect(capped(reset).text()).rejects.toThrow("body network");
    const timeout = new ReadableStream<Uint8Array>({ pull: (c) => c.error(new DOMException("t", "TimeoutError")) });
    await expect(capped(timeout).json()).rejects.toThrow("body timeout");
  });

  it("decodes as Response does: a UTF-8 BOM dropped, a character split across chunks kept, bad JSON a SyntaxError", async () => {
    const euro = encoder.encode('"€"');
    expect(await capped(chunks(new Uint8Array([0xef, 0xbb, 0xbf]), '{"k":1}')).json()).toEqual({ k: 1 });
    expect(await capped(chunks(euro.slice(0, 2), euro.slice(2))).json()).toBe("€");
    await expect(capped(chunks("<html>")).json()).rejects.toBeInstanceOf(SyntaxError);
  });

  it("a read body is used, as a fetched Response's: bodyUsed, a second read and clone() fail, body is locked", async () => {
    for (const first of ["text", "json"] as const) {
      const response = capped(chunks("{}"));
      expect(response.bodyUsed).toBe(false);
      await response[first]();
      expect(response.bodyUsed).toBe(true);
      await expect(response.text()).rejects.toBeInstanceOf(TypeError);
      await expect(response.json()).rejects.toBeInstanceOf(TypeError);
      await expect(response.arrayBuffer()).rejects.toBeInstanceOf(TypeError);
      expect(() => response.clone()).toThrow(TypeError);
      expect(response.body!.locked).toBe(true);
      expect(() => response.body!.getReader()).toThrow(TypeError);
    }
  });

  it("body, clone() and the other readers get the capped streamed copy; text() after them reads that copy", async () => {
    await expect(capped(chunks("x".repeat(2_000))).arrayBuffer()).rejects.toThrow("body too_large");
    await expect(capped(chunks("x".repeat(2_000))).blob()).rejects.toThrow("body too_large");
    await expect(
      capped(chunks("x".repeat(2_000)))
        .body!.getReader()
        .read(),
    ).rejects.toThrow("body too_large");
    const response = capped(chunks("{", '"c":3}'));
    const copy = response.clone();
    expect(await copy.json()).toEqual({ c: 3 });
    expect(await response.text()).toBe('{"c":3}');
    expect(response.bodyUsed).toBe(true);
    const viaBody = capped(chunks("ab"));
    expect(viaBody.body).toBe(viaBody.body);
    expect(await viaBody.text()).toBe("ab");
    await expect(viaBody.text()).rejects.toBeInstanceOf(TypeError);
  });

  it("keeps status, headers, url and redirected; is a Response", () => {
    const source = new Response("{}", { status: 201, statusText: "Made", headers: { "x-a": "1" } });
    Object.defineProperties(source, { url: { value: "https://h/x" }, redirected: { value: true } });
    const response = limitResponse(source, 10, toError);
    expect(response).toBeInstanceOf(Response);
    expect([response.status, response.statusText, response.ok, response.url, response.redirected]).toEqual([
      201,
      "Made",
      true,
      "https://h/x",
      true,
    ]);
    expect(response.headers.get("x-a")).toBe("1");
  });
});

describe("discovery reads its document without a second stream (BENCHMARKS.md #2, cold start)", () => {
  it("builds no ReadableStream of its own for the smart-configuration body", async () => {
    const config = { token_endpoint: "https://h/token", capabilities: [], code_challenge_methods_supported: ["S256"] };
    const answer = new Response(JSON.stringify(config), { status: 200 });
    const fetch = (async () => answer) as typeof globalThis.fetch;
    let got: unknown;
    expect(await streamsBuilt(async () => (got = await discoverSmartConfiguration("https://h/fhir", { fetch })))).toBe(
      0,
    );
    expect(got).toMatchObject({ token_endpoint: "https://h/token" });
  });
});
