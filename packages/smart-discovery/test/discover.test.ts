import { createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearDiscoveryCache, DiscoveryError, DiscoveryErrorCode, discoverSmartConfiguration } from "../src/index.js";
import { json, smartConfig, startServer, type TestServer } from "./server.js";

const WK = "/.well-known/smart-configuration";
let server: TestServer;

beforeEach(async () => {
  clearDiscoveryCache();
  server = await startServer();
});
afterEach(() => server.close());

async function rejection(promise: Promise<unknown>): Promise<DiscoveryError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  if (!DiscoveryError.is(error)) throw error;
  return error;
}

describe("discoverSmartConfiguration: URL and request (checklist 1.1, 1.2, E10)", () => {
  it("GETs {base}/.well-known/smart-configuration with Accept: application/json", async () => {
    server.route(`/fhir${WK}`, json(smartConfig(server.origin)));
    const config = await discoverSmartConfiguration(`${server.origin}/fhir`);
    expect(config.token_endpoint).toBe(`${server.origin}/auth/token`);
    expect(server.requests[0]?.method).toBe("GET");
    expect(server.requests[0]?.headers.accept).toBe("application/json");
  });

  it("asks the same URL with and without a trailing slash", async () => {
    server.route(`/fhir${WK}`, json(smartConfig(server.origin)));
    await discoverSmartConfiguration(`${server.origin}/fhir/`, { cache: false });
    await discoverSmartConfiguration(`${server.origin}/fhir`, { cache: false });
    await discoverSmartConfiguration(new URL(`${server.origin}/fhir//`), { cache: false });
    expect(server.hits(`/fhir${WK}`)).toBe(3);
    expect(server.requests.map((r) => r.url)).toEqual([`/fhir${WK}`, `/fhir${WK}`, `/fhir${WK}`]);
  });

  it("keeps a multi-segment base path and never asks the host root", async () => {
    server.route(`/apis/fhir/r4${WK}`, json(smartConfig(server.origin)));
    server.route(WK, json({ wrong: true }));
    await discoverSmartConfiguration(`${server.origin}/apis/fhir/r4`);
    expect(server.hits(`/apis/fhir/r4${WK}`)).toBe(1);
    expect(server.hits(WK)).toBe(0);
  });

  it("works for a base at the host root", async () => {
    server.route(WK, json(smartConfig(server.origin)));
    await expect(discoverSmartConfiguration(`${server.origin}/`)).resolves.toMatchObject({
      capabilities: expect.any(Array),
    });
  });

  it("resolves relative endpoints both ways: auth/token under the base, /auth/token at the host (checklist 1.4, E10)", async () => {
    server.route(
      `/fhir${WK}`,
      json(smartConfig(server.origin, { token_endpoint: "auth/token", authorization_endpoint: "/auth/authorize" })),
    );
    const config = await discoverSmartConfiguration(`${server.origin}/fhir`);
    expect(config.token_endpoint).toBe(`${server.origin}/fhir/auth/token`);
    expect(config.authorization_endpoint).toBe(`${server.origin}/auth/authorize`);
  });
});

describe("discoverSmartConfiguration: response leniency (checklist 1.3, E23)", () => {
  const body = () => JSON.stringify(smartConfig(server.origin));
  it.each([
    ["application/json", (b: string) => b],
    ["application/json; charset=utf-8", (b: string) => b],
    ["application/json;charset=UTF-8", (b: string) => b],
    ["text/json", (b: string) => b],
    ["text/plain", (b: string) => b],
    ["application/octet-stream", (b: string) => b],
    ["application/json (UTF-8 BOM)", (b: string) => `\uFEFF${b}`],
    ["text/plain (UTF-8 BOM)", (b: string) => `\uFEFF${b}`],
  ])("accepts %s", async (label, shape) => {
    const type = label.split(" (")[0] as string;
    server.route(`/fhir${WK}`, (_req, res) =>
      res.writeHead(200, { "content-type": type }).end(Buffer.from(shape(body()), "utf8")),
    );
    const config = await discoverSmartConfiguration(`${server.origin}/fhir`);
    expect(config.code_challenge_methods_supported).toEqual(["S256"]);
  });

  it("accepts a response without a content type", async () => {
    server.route(`/fhir${WK}`, (_req, res) => {
      res.removeHeader("content-type");
      res.end(body());
    });
    await expect(discoverSmartConfiguration(`${server.origin}/fhir`)).resolves.toHaveProperty("token_endpoint");
  });

  it("starts with raw BOM bytes EF BB BF", async () => {
    server.route(`/fhir${WK}`, (_req, res) =>
      res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body())])),
    );
    await expect(discoverSmartConfiguration(`${server.origin}/fhir`)).resolves.toHaveProperty("capabilities");
  });

  it("keeps unknown members and unknown capabilities (checklist 1.6)", async () => {
    server.route(
      `/fhir${WK}`,
      json(smartConfig(server.origin, { "x-vendor": [1, 2], capabilities: ["urn:example:cap", "launch-ehr"] })),
    );
    const config = await discoverSmartConfiguration(`${server.origin}/fhir`);
    expect(config["x-vendor"]).toEqual([1, 2]);
    expect(config.capabilities).toEqual(["urn:example:cap", "launch-ehr"]);
  });
});

describe("discoverSmartConfiguration: errors", () => {
  it("404 → discovery_http_status with status and url", async () => {
    const error = await rejection(discoverSmartConfiguration(`${server.origin}/missing`));
    expect(error).toMatchObject({
      code: DiscoveryErrorCode.HttpStatus,
      status: 404,
      url: `${server.origin}/missing${WK}`,
    });
    expect(error.response?.status).toBe(404);
    expect(Object.keys(error)).not.toContain("response");
  });

  it("500 → discovery_http_status, without the body in message or JSON", async () => {
    server.route(`/fhir${WK}`, json({ error: "TOP-SECRET-DETAIL" }, "application/json", 500));
    const error = await rejection(discoverSmartConfiguration(`${server.origin}/fhir`));
    expect(error).toMatchObject({ code: DiscoveryErrorCode.HttpStatus, status: 500 });
    for (const text of [error.message, JSON.stringify(error), String(error), error.stack ?? ""])
      expect(text).not.toContain("TOP-SECRET");
  });

  it("HTML → discovery_not_json; the body stays out of the message, JSON and cause chain", async () => {
    server.route(
      `/fhir${WK}`,
      json("<!doctype html><html><body>Login SECRET-SESSION-abc</body></html>", "text/html; charset=utf-8"),
    );
    const error = await rejection(discoverSmartConfiguration(`${server.origin}/fhir`));
    expect(error).toMatchObject({ code: DiscoveryErrorCode.NotJson, status: 200, url: `${server.origin}/fhir${WK}` });
    expect(error.message).toContain("text/html");
    for (const text of [error.message, JSON.stringify(error), String(error), String(error.cause)])
      expect(text).not.toContain("SECRET-SESSION");
  });

  it.each([
    ["", "empty body"],
    ["{", "truncated JSON"],
    ["undefined", "a JavaScript word"],
  ])("%j (%s) → discovery_not_json", async (text) => {
    server.route(`/fhir${WK}`, json(text));
    await expect(rejection(discoverSmartConfiguration(`${server.origin}/fhir`))).resolves.toMatchObject({
      code: DiscoveryErrorCode.NotJson,
    });
  });

  it("a closed port → discovery_network with the cause kept", async () => {
    const port = await closedPort();
    const error = await rejection(discoverSmartConfiguration(`http://127.0.0.1:${port}/fhir`));
    expect(error).toMatchObject({ code: DiscoveryErrorCode.Network, url: `http://127.0.0.1:${port}/fhir${WK}` });
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.status).toBeUndefined();
  });

  it("no answer within timeoutMs → discovery_timeout, and the request is aborted", async () => {
    const closed = new Promise<void>((resolve) =>
      server.route(`/slow${WK}`, (req) => req.socket.on("close", () => resolve())),
    );
    const started = Date.now();
    const error = await rejection(discoverSmartConfiguration(`${server.origin}/slow`, { timeoutMs: 100 }));
    expect(error).toMatchObject({ code: DiscoveryErrorCode.Timeout, url: `${server.origin}/slow${WK}` });
    expect(Date.now() - started).toBeLessThan(2_000);
    await closed;
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["token_endpoint missing", { token_endpoint: undefined }, "token_endpoint"],
    ["capabilities not an array", { capabilities: "launch-ehr" }, "capabilities"],
    ["S256 missing", { code_challenge_methods_supported: ["plain"] }, "code_challenge_methods_supported"],
    ["authorization_endpoint missing for launch-ehr", { authorization_endpoint: undefined }, "authorization_endpoint"],
    ["issuer missing for sso-openid-connect", { issuer: undefined }, "issuer"],
    ["jwks_uri missing for sso-openid-connect", { jwks_uri: undefined }, "jwks_uri"],
    ["scopes_supported of numbers", { scopes_supported: [1, 2] }, "scopes_supported"],
  ])("invalid document (%s) → discovery_invalid_document naming the field", async (_name, patch, field) => {
    server.route(`/fhir${WK}`, json({ ...smartConfig(server.origin), ...patch }));
    const error = await rejection(discoverSmartConfiguration(`${server.origin}/fhir`));
    expect(error).toMatchObject({ code: DiscoveryErrorCode.InvalidDocument, field, url: `${server.origin}/fhir${WK}` });
  });

  it("strict mode refuses a document without grant_types_supported that non-strict mode accepts", async () => {
    server.route(`/fhir${WK}`, json({ ...smartConfig(server.origin), grant_types_supported: undefined }));
    const lenient = await discoverSmartConfiguration(`${server.origin}/fhir`);
    expect(lenient.grant_types_supported).toEqual(["authorization_code", "client_credentials"]);
    const error = await rejection(discoverSmartConfiguration(`${server.origin}/fhir`, { strict: true }));
    expect(error).toMatchObject({ code: DiscoveryErrorCode.InvalidDocument, field: "grant_types_supported" });
  });

  it("an invalid base URL → discovery_invalid_url without a request", async () => {
    const fetch = vi.fn<typeof globalThis.fetch>();
    for (const base of ["fhir", `${server.origin}/fhir?x=1`, `${server.origin}/fhir#f`, "file:///etc/fhir"]) {
      await expect(rejection(discoverSmartConfiguration(base, { fetch }))).resolves.toMatchObject({
        code: DiscoveryErrorCode.InvalidUrl,
      });
    }
    expect(fetch).not.toHaveBeenCalled();
  });

  it("misuse of options throws a TypeError saying what to pass", async () => {
    const base = `${server.origin}/fhir`;
    await expect(discoverSmartConfiguration(base, { timeoutMs: 0 })).rejects.toThrow(/timeoutMs/);
    await expect(discoverSmartConfiguration(base, { timeoutMs: Number.NaN })).rejects.toThrow(TypeError);
    await expect(discoverSmartConfiguration(base, { ttlMs: -1 })).rejects.toThrow(/ttlMs/);
    await expect(discoverSmartConfiguration(base, { now: 5 as unknown as () => number })).rejects.toThrow(/now/);
    await expect(discoverSmartConfiguration(base, { fetch: "x" as unknown as typeof fetch })).rejects.toThrow(/fetch/);
    await expect(discoverSmartConfiguration(undefined as unknown as string)).rejects.toThrow(TypeError);
    expect(server.hits(`/fhir${WK}`)).toBe(0);
  });
});

describe("discoverSmartConfiguration: plain http (checklist 2.1, E15)", () => {
  const okFetch = () =>
    vi.fn<typeof globalThis.fetch>(
      async () =>
        new Response(JSON.stringify(smartConfig("https://ehr.example.com")), {
          headers: { "content-type": "application/json" },
        }),
    );

  it("refuses http on a non-loopback host before any request", async () => {
    const fetch = okFetch();
    const error = await rejection(discoverSmartConfiguration("http://ehr.example.com/fhir", { fetch }));
    expect(error).toMatchObject({
      code: DiscoveryErrorCode.InsecureUrl,
      url: "http://ehr.example.com/fhir/.well-known/smart-configuration",
    });
    expect(fetch).not.toHaveBeenCalled();
  });

  it("allows it with allowInsecureRequests, and allows loopback hosts without it", async () => {
    const fetch = okFetch();
    await discoverSmartConfiguration("http://ehr.example.com/fhir", { fetch, allowInsecureRequests: true });
    for (const base of ["http://localhost:9/fhir", "http://[::1]:9/fhir", "http://127.1.2.3/fhir"])
      await discoverSmartConfiguration(base, { fetch });
    expect(fetch.mock.calls.map(([url]) => url)).toEqual([
      "http://ehr.example.com/fhir/.well-known/smart-configuration",
      "http://localhost:9/fhir/.well-known/smart-configuration",
      "http://[::1]:9/fhir/.well-known/smart-configuration",
      "http://127.1.2.3/fhir/.well-known/smart-configuration",
    ]);
  });

  it("refuses a redirect that ended on plain http", async () => {
    const fetch = vi.fn<typeof globalThis.fetch>(async () => {
      const response = new Response("{}", { headers: { "content-type": "application/json" } });
      Object.defineProperty(response, "url", { value: "http://evil.example.com/.well-known/smart-configuration" });
      return response;
    });
    await expect(
      rejection(discoverSmartConfiguration("https://ehr.example.com/fhir", { fetch })),
    ).resolves.toMatchObject({
      code: DiscoveryErrorCode.InsecureUrl,
    });
  });
});

describe("discoverSmartConfiguration: cache and single-flight", () => {
  it("serves a second call from the cache and hands out independent copies", async () => {
    server.route(`/fhir${WK}`, json(smartConfig(server.origin)));
    const a = await discoverSmartConfiguration(`${server.origin}/fhir`);
    a.capabilities.push("mutated");
    const b = await discoverSmartConfiguration(`${server.origin}/fhir/`);
    expect(server.hits(`/fhir${WK}`)).toBe(1);
    expect(b.capabilities).not.toContain("mutated");
  });

  it("N concurrent callers share ONE request", async () => {
    server.route(`/fhir${WK}`, (_req, res) => setTimeout(() => json(smartConfig(server.origin))(_req, res), 50));
    const results = await Promise.all(
      Array.from({ length: 20 }, () => discoverSmartConfiguration(`${server.origin}/fhir`)),
    );
    expect(server.hits(`/fhir${WK}`)).toBe(1);
    expect(new Set(results.map((r) => r.token_endpoint)).size).toBe(1);
  });

  it("a shared failure reaches every caller and is not cached", async () => {
    let status = 503;
    server.route(`/fhir${WK}`, (req, res) =>
      setTimeout(() => json(smartConfig(server.origin), "application/json", status)(req, res), 30),
    );
    const settled = await Promise.allSettled(
      Array.from({ length: 5 }, () => discoverSmartConfiguration(`${server.origin}/fhir`)),
    );
    expect(
      settled.every((s) => s.status === "rejected" && DiscoveryError.is(s.reason) && s.reason.status === 503),
    ).toBe(true);
    expect(server.hits(`/fhir${WK}`)).toBe(1);
    status = 200;
    await expect(discoverSmartConfiguration(`${server.origin}/fhir`)).resolves.toHaveProperty("token_endpoint");
    expect(server.hits(`/fhir${WK}`)).toBe(2);
  });

  it("an invalid document is not cached either", async () => {
    let doc: Record<string, unknown> = { ...smartConfig(server.origin), token_endpoint: undefined };
    server.route(`/fhir${WK}`, (req, res) => json(doc)(req, res));
    await rejection(discoverSmartConfiguration(`${server.origin}/fhir`));
    doc = smartConfig(server.origin);
    await discoverSmartConfiguration(`${server.origin}/fhir`);
    expect(server.hits(`/fhir${WK}`)).toBe(2);
  });

  it("expires after ttlMs on the injected clock", async () => {
    server.route(`/fhir${WK}`, json(smartConfig(server.origin)));
    let clock = 1_000_000;
    const options = { now: () => clock, ttlMs: 60_000 };
    await discoverSmartConfiguration(`${server.origin}/fhir`, options);
    clock += 59_999;
    await discoverSmartConfiguration(`${server.origin}/fhir`, options);
    expect(server.hits(`/fhir${WK}`)).toBe(1);
    clock += 1;
    await discoverSmartConfiguration(`${server.origin}/fhir`, options);
    expect(server.hits(`/fhir${WK}`)).toBe(2);
    await discoverSmartConfiguration(`${server.origin}/fhir`, { ...options, ttlMs: 0 });
    expect(server.hits(`/fhir${WK}`)).toBe(3);
  });

  it("cache: false always asks the server and joins no flight", async () => {
    server.route(`/fhir${WK}`, (req, res) => setTimeout(() => json(smartConfig(server.origin))(req, res), 20));
    await discoverSmartConfiguration(`${server.origin}/fhir`);
    await Promise.all([1, 2, 3].map(() => discoverSmartConfiguration(`${server.origin}/fhir`, { cache: false })));
    expect(server.hits(`/fhir${WK}`)).toBe(4);
  });

  it("clearDiscoveryCache forgets cached documents", async () => {
    server.route(`/fhir${WK}`, json(smartConfig(server.origin)));
    await discoverSmartConfiguration(`${server.origin}/fhir`);
    clearDiscoveryCache();
    await discoverSmartConfiguration(`${server.origin}/fhir`);
    expect(server.hits(`/fhir${WK}`)).toBe(2);
  });

  it("strict and lenient callers do not share a cache entry", async () => {
    server.route(`/fhir${WK}`, json(smartConfig(server.origin)));
    await discoverSmartConfiguration(`${server.origin}/fhir`);
    await discoverSmartConfiguration(`${server.origin}/fhir`, { strict: true });
    await discoverSmartConfiguration(`${server.origin}/fhir`, { strict: true });
    expect(server.hits(`/fhir${WK}`)).toBe(2);
  });
});

describe("discoverSmartConfiguration: signal and per-caller timeouts", () => {
  it("an already aborted signal rejects with its reason and sends nothing", async () => {
    const reason = new Error("user left");
    await expect(
      discoverSmartConfiguration(`${server.origin}/fhir`, { signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
    expect(server.hits(`/fhir${WK}`)).toBe(0);
  });

  it("aborting rejects with the signal's reason and cancels the request when no one else waits", async () => {
    const closed = new Promise<void>((resolve) =>
      server.route(`/fhir${WK}`, (req) => req.socket.on("close", () => resolve())),
    );
    const controller = new AbortController();
    const pending = discoverSmartConfiguration(`${server.origin}/fhir`, { signal: controller.signal });
    await vi.waitFor(() => expect(server.hits(`/fhir${WK}`)).toBe(1));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await closed;
  });

  it("one caller giving up does not cancel the shared request for the others", async () => {
    server.route(`/fhir${WK}`, (req, res) => setTimeout(() => json(smartConfig(server.origin))(req, res), 150));
    const controller = new AbortController();
    const quitter = discoverSmartConfiguration(`${server.origin}/fhir`, { signal: controller.signal });
    const impatient = discoverSmartConfiguration(`${server.origin}/fhir`, { timeoutMs: 30 });
    const patient = discoverSmartConfiguration(`${server.origin}/fhir`, { timeoutMs: 5_000 });
    controller.abort();
    await expect(quitter).rejects.toMatchObject({ name: "AbortError" });
    await expect(rejection(impatient)).resolves.toMatchObject({ code: DiscoveryErrorCode.Timeout });
    await expect(patient).resolves.toHaveProperty("token_endpoint");
    expect(server.hits(`/fhir${WK}`)).toBe(1);
    await discoverSmartConfiguration(`${server.origin}/fhir`);
    expect(server.hits(`/fhir${WK}`)).toBe(1);
  });

  it("after every caller timed out, the next call starts a fresh request", async () => {
    let delay = 10_000;
    server.route(`/fhir${WK}`, (req, res) => {
      const timer = setTimeout(() => json(smartConfig(server.origin))(req, res), delay);
      req.socket.on("close", () => clearTimeout(timer));
    });
    await rejection(discoverSmartConfiguration(`${server.origin}/fhir`, { timeoutMs: 50 }));
    delay = 0;
    await expect(discoverSmartConfiguration(`${server.origin}/fhir`)).resolves.toHaveProperty("token_endpoint");
    expect(server.hits(`/fhir${WK}`)).toBe(2);
  });
});

describe("discoverSmartConfiguration: custom fetch", () => {
  it("uses options.fetch with the discovery URL and an Accept header", async () => {
    const fetch = vi.fn<typeof globalThis.fetch>(async () => Response.json(smartConfig("https://ehr.example.com")));
    await discoverSmartConfiguration("https://ehr.example.com/r4/", { fetch });
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(url).toBe("https://ehr.example.com/r4/.well-known/smart-configuration");
    expect(new Headers(init?.headers).get("accept")).toBe("application/json");
    expect(init?.signal).toBeInstanceOf(AbortSignal);
  });

  it("wraps a fetch that throws as discovery_network", async () => {
    const cause = new TypeError("failed to fetch");
    const error = await rejection(
      discoverSmartConfiguration("https://ehr.example.com/r4", { fetch: async () => Promise.reject(cause) }),
    );
    expect(error).toMatchObject({ code: DiscoveryErrorCode.Network });
    expect(error.cause).toBe(cause);
  });
});

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
