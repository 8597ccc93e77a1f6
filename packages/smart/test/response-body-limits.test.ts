/**
 * Issue 15 §2: every response body the library reads itself (token, introspection, revocation, JWKS,
 * discovery) is read with a byte cap (default 1 MiB, `maxResponseBytes`), streamed, so a hostile or broken
 * server cannot fill memory; over the cap is a typed `response_too_large` error and the connection is
 * dropped; a body that breaks off or times out mid-way is a typed, retryable error (never a raw
 * DOMException/TypeError), and client_credentials retries it like any other network failure.
 * A real loopback HTTP server plays the authorization server.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, generateKeyPair } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  BackendServicesAuth,
  DEFAULT_MAX_RESPONSE_BYTES,
  DiscoveryError,
  DiscoveryErrorCode,
  SmartAuthError,
  SmartAuthErrorCode,
  exchangeCode,
  introspectToken,
  revokeToken,
  verifyIdToken,
  type SmartConfiguration,
} from "../src/index.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
const MiB = 1024 * 1024;
let origin: string;
let server: ReturnType<typeof createServer>;
let handlers: Handler[] = [];
let requests = 0;
/** Bytes the server managed to write to the client, and whether the client dropped the connection early. */
const sent = { bytes: 0, dropped: false };

beforeAll(async () => {
  server = createServer(async (req, res) => {
    requests++;
    for await (const _ of req); // drain the request body
    const handler = handlers.shift();
    if (!handler) return void res.writeHead(500).end();
    await handler(req, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  handlers = [];
  requests = 0;
  sent.bytes = 0;
  sent.dropped = false;
});

/** Streams `total` bytes of a JSON string value, with backpressure, until done or the client goes away. */
function hugeJson(total: number, { contentLength = false, status = 200 } = {}): Handler {
  return async (_req, res) => {
    res.writeHead(status, {
      "content-type": "application/json",
      ...(contentLength ? { "content-length": String(total) } : {}),
    });
    res.on("close", () => void (sent.dropped = !res.writableFinished));
    const chunk = Buffer.alloc(64 * 1024, "a");
    res.write('{"access_token":"');
    let written = 17;
    const end = '","token_type":"Bearer"}';
    while (written < total - end.length && !res.destroyed) {
      const part = chunk.subarray(0, Math.min(chunk.length, total - end.length - written));
      written += part.length;
      sent.bytes += part.length;
      if (!res.write(part)) await drainedOrClosed(res);
    }
    if (!res.destroyed) res.end(end);
  };
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.on("drain", done).on("close", done);
  });
}

/** 200 headers and the start of a JSON body, then `then`: the connection is reset, or nothing more comes. */
const brokenBody =
  (then: "reset" | "stall"): Handler =>
  (req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"access_token":"half-a-tok');
    if (then === "reset") setTimeout(() => req.socket.destroy(), 20);
  };

const tokenJson =
  (token = "good-token"): Handler =>
  (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ access_token: token, token_type: "Bearer", expires_in: 300, scope: "system/Patient.rs" }));
  };

const config = (): SmartConfiguration => ({
  issuer: `${origin}/auth`,
  jwks_uri: `${origin}/auth/jwks`,
  token_endpoint: `${origin}/auth/token`,
  introspection_endpoint: `${origin}/auth/introspect`,
  revocation_endpoint: `${origin}/auth/revoke`,
  authorization_endpoint: `${origin}/auth/authorize`,
  capabilities: ["launch-standalone", "client-confidential-asymmetric"],
  code_challenge_methods_supported: ["S256"],
  grant_types_supported: ["authorization_code", "client_credentials"],
});

const exchange = (extra: Record<string, unknown> = {}) =>
  exchangeCode({
    smartConfig: config(),
    clientId: "app",
    redirectUri: "http://127.0.0.1/cb",
    code: "the-code-123",
    codeVerifier: "v".repeat(43),
    ...extra,
  });

async function rejection(promise: Promise<unknown>): Promise<SmartAuthError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(SmartAuthError.is(error), String(error)).toBe(true);
  return error as SmartAuthError;
}

let privateKey: CryptoKey;
beforeAll(async () => {
  privateKey = (await generateKeyPair("ES384")).privateKey;
});
const backend = (extra: Record<string, unknown> = {}) =>
  new BackendServicesAuth({
    fhirBaseUrl: `${origin}/fhir`,
    tokenEndpoint: `${origin}/auth/token`,
    clientId: "svc",
    scope: "system/Patient.rs",
    privateKey,
    alg: "ES384",
    ...extra,
  });

describe("response bodies are capped (issue 15 §2)", () => {
  it("a 400 MiB token response: response_too_large, the connection dropped, RSS grows by less than 20 MiB", {
    timeout: 60_000,
  }, async () => {
    handlers.push(tokenJson(), hugeJson(400 * MiB));
    await exchange(); // warm-up: the first fetch of the process loads and sets up undici
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => void (peak = Math.max(peak, process.memoryUsage().rss)), 2);
    const error = await rejection(exchange());
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(error).toMatchObject({ code: SmartAuthErrorCode.ResponseTooLarge, retryable: false, status: 200 });
    expect(error.message).toContain(String(DEFAULT_MAX_RESPONSE_BYTES));
    await new Promise((r) => setTimeout(r, 200));
    expect(sent.dropped).toBe(true);
    expect(sent.bytes).toBeLessThan(64 * MiB); // what socket buffers took before the drop, not 400 MiB
    const grown = (peak - before) / MiB;
    console.log(
      `400 MiB body: error after ${(sent.bytes / MiB).toFixed(1)} MiB sent by the server; RSS grew ${grown.toFixed(1)} MiB (peak)`,
    );
    expect(grown).toBeLessThan(20);
  });

  it("a declared Content-Length over the cap fails before the body is read", async () => {
    handlers.push(hugeJson(400 * MiB, { contentLength: true }));
    const error = await rejection(exchange());
    expect(error.code).toBe(SmartAuthErrorCode.ResponseTooLarge);
    await new Promise((r) => setTimeout(r, 100));
    expect(sent.dropped).toBe(true);
  });

  it("default 1 MiB; maxResponseBytes raises or lowers it", async () => {
    handlers.push(hugeJson(MiB + 100), hugeJson(MiB + 100), hugeJson(2_000));
    expect((await rejection(exchange())).code).toBe(SmartAuthErrorCode.ResponseTooLarge);
    const token = await exchange({ maxResponseBytes: 2 * MiB });
    expect(token.access_token.length).toBeGreaterThan(MiB);
    expect((await rejection(exchange({ maxResponseBytes: 1_000 }))).code).toBe(SmartAuthErrorCode.ResponseTooLarge);
    await expect(exchange({ maxResponseBytes: -1 })).rejects.toThrow(TypeError);
  });

  it("maxResponseBytes of a flow reaches its discovery request (BackendServicesAuth without tokenEndpoint)", async () => {
    handlers.push(hugeJson(4_000));
    const error = await backend({
      tokenEndpoint: undefined,
      fhirBaseUrl: `${origin}/small-cap`,
      maxResponseBytes: 1_000,
    })
      .getAccessToken()
      .catch((e: unknown) => e);
    expect(DiscoveryError.is(error), String(error)).toBe(true);
    expect(error).toMatchObject({ code: DiscoveryErrorCode.ResponseTooLarge, retryable: false });
  });

  it("introspection, revocation error bodies and JWKS are capped too", async () => {
    handlers.push(hugeJson(4 * MiB));
    const introspection = await rejection(
      introspectToken({ smartConfig: config(), clientId: "app", token: "tok-123456" }),
    );
    expect(introspection.code).toBe(SmartAuthErrorCode.ResponseTooLarge);

    // RFC 7009: the error body of a refused revocation is read for its OAuth fields, within the cap
    handlers.push(hugeJson(400 * MiB, { status: 400 }));
    const before = process.memoryUsage().rss;
    const revocation = await rejection(revokeToken({ smartConfig: config(), clientId: "app", token: "tok-123456" }));
    expect(revocation).toMatchObject({ code: SmartAuthErrorCode.Revocation, status: 400 });
    expect((process.memoryUsage().rss - before) / MiB).toBeLessThan(20);

    const { privateKey: signer } = await generateKeyPair("ES256");
    const idToken = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "k" })
      .setIssuer(`${origin}/auth`)
      .setAudience("app")
      .setSubject("u1")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(signer);
    handlers.push(hugeJson(4 * MiB));
    const jwks = await rejection(verifyIdToken(idToken, { smartConfig: config(), clientId: "app" }));
    expect(jwks.code).toBe(SmartAuthErrorCode.ResponseTooLarge);
    expect(requests).toBe(3);
  });
});

describe("a body that breaks off is a typed, retryable error (issue 15 §2)", () => {
  it("connection reset mid-body: network_error, retryable, the cause kept (not a raw TypeError)", async () => {
    handlers.push(brokenBody("reset"));
    const error = await rejection(exchange());
    expect(error).toMatchObject({ code: SmartAuthErrorCode.Network, retryable: true, status: 200 });
    expect(error.cause).toBeDefined();
    expect(error.message).not.toContain("half-a-tok");
  });

  it("timeout mid-body: timeout, retryable", async () => {
    handlers.push(brokenBody("stall"));
    const error = await rejection(exchange({ timeoutMs: 300 }));
    expect(error).toMatchObject({ code: SmartAuthErrorCode.Timeout, retryable: true });
  });

  it("client_credentials retries a body reset like any network error: first response resets mid-body, the second succeeds; one token", async () => {
    handlers.push(brokenBody("reset"), tokenJson("second-token"));
    const auth = backend();
    expect(await auth.getAccessToken()).toBe("second-token");
    expect(requests).toBe(2);
    expect(await auth.getAccessToken()).toBe("second-token");
    expect(requests).toBe(2);
  });

  it("client_credentials retries a mid-body timeout too, and gives up typed after maxRetries", async () => {
    handlers.push(brokenBody("stall"), tokenJson("after-timeout"));
    expect(await backend({ timeoutMs: 300 }).getAccessToken()).toBe("after-timeout");
    handlers.push(brokenBody("reset"), brokenBody("reset"));
    const error = await rejection(backend({ maxRetries: 1 }).getAccessToken());
    expect(error).toMatchObject({ code: SmartAuthErrorCode.Network, retryable: true });
  });

  it("a JWKS that breaks off is a network error, not an invalid id_token", async () => {
    const { privateKey: signer } = await generateKeyPair("ES256");
    const idToken = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "k" })
      .setIssuer(`${origin}/auth`)
      .setAudience("app")
      .setSubject("u1")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(signer);
    handlers.push(brokenBody("reset"));
    const error = await rejection(verifyIdToken(idToken, { smartConfig: config(), clientId: "app" }));
    expect(error).toMatchObject({ code: SmartAuthErrorCode.Network, retryable: true });
  });
});
