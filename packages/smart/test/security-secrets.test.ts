/**
 * Secrets (issue 9): every error path of the core that a test can reach, provoked with recognisable
 * secret values (access and refresh tokens, codes, verifiers, client secrets, a private key, signed
 * assertions, id_tokens), against the sandbox and against a hostile server that echoes whatever it
 * receives into its error bodies. Each error is scanned in every form a logger prints: message, stack,
 * each `cause` in the chain, String(err), JSON.stringify(err) and util.inspect(err, { depth: 10 }),
 * for each secret raw, base64, base64url and URL-encoded. (app-error-leaks.test.ts covers the App
 * Launch kinds with its own serialiser; this file adds util.inspect, the hostile echo server,
 * Backend Services, discovery and misuse.)
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BackendServicesAuth,
  buildAuthorizeUrl,
  clearDiscoveryCache,
  DiscoveryError,
  discoverSmartConfiguration,
  exchangeCode,
  InMemoryLaunchStateStore,
  introspectToken,
  revokeToken,
  SmartAuthError,
  SmartAuthErrorCode,
  SmartClient,
  SmartLaunch,
  TokenStoreError,
  verifyIdToken,
  type SmartConfiguration,
  type StoredToken,
  type TokenStore,
} from "../src/index.js";

const secrets = new Set<string>();
const secret = <T extends string>(value: T): T => {
  secrets.add(value);
  return value;
};
const provoked: { label: string; error: unknown }[] = [];

/** Every printable view of an error, down its whole cause chain. */
export function views(error: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const walk = (e: unknown, depth: number) => {
    if (e === undefined || e === null || seen.has(e) || depth > 10) return;
    seen.add(e);
    if (typeof e !== "object") return void out.push(String(e));
    const err = e as Error & { cause?: unknown; errors?: unknown[] };
    out.push(String(err), String(err.message), String(err.stack));
    try {
      out.push(JSON.stringify(err) ?? "");
    } catch {
      out.push("(unserialisable)");
    }
    out.push(inspect(err, { depth: 10 }));
    walk(err.cause, depth + 1);
    for (const inner of Array.isArray(err.errors) ? err.errors : []) walk(inner, depth + 1);
  };
  walk(error, 0);
  return out;
}

function encodings(value: string): string[] {
  const b = Buffer.from(value);
  return [value, b.toString("base64").replace(/=+$/, ""), b.toString("base64url"), encodeURIComponent(value)].filter(
    (v) => v.length >= 8,
  );
}

async function provoke(label: string, run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    provoked.push({ label, error });
    return error;
  }
  throw new Error(`${label}: expected an error`);
}

/** A server that echoes every request (body, headers) into its error answers, 400/401/500, JSON or HTML. */
async function echoServer() {
  let mode = "json-400";
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const echo = `${Buffer.concat(chunks).toString()} ${req.headers.authorization ?? ""}`;
    const url = new URL(req.url!, "http://x");
    if (url.pathname.endsWith("/.well-known/smart-configuration")) {
      res.writeHead(200, { "content-type": "text/html" });
      return res.end(`<html>${echo}</html>`);
    }
    if (mode === "json-400") {
      res.writeHead(400, { "content-type": "application/json" });
      return res.end(
        JSON.stringify({
          error: "invalid_grant",
          error_description: `bad request: ${echo}`,
          error_uri: `https://e.example/?${echo}`,
        }),
      );
    }
    if (mode === "json-401") {
      res.writeHead(401, {
        "content-type": "application/json",
        "www-authenticate": `Basic realm="${echo.replace(/"/g, "")}"`,
      });
      return res.end(JSON.stringify({ error: "invalid_client", error_description: echo }));
    }
    if (mode === "html-500") {
      res.writeHead(500, { "content-type": "text/html" });
      return res.end(`<h1>Error</h1><pre>${echo}</pre>`);
    }
    // 200 with an unusable body that repeats what it got
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify({ active: "yes", token_type: 5, access_token: echo, echo }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    setMode: (m: string) => void (mode = m),
    config: {
      issuer: `${origin}/auth`,
      jwks_uri: `${origin}/auth/jwks`,
      token_endpoint: `${origin}/auth/token`,
      introspection_endpoint: `${origin}/auth/introspect`,
      revocation_endpoint: `${origin}/auth/revoke`,
      authorization_endpoint: `${origin}/auth/authorize`,
      capabilities: ["launch-standalone"],
      code_challenge_methods_supported: ["S256"],
      grant_types_supported: ["authorization_code"],
    } as SmartConfiguration,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const CLIENT_SECRET = secret("cs-SECRET-client-secret-1111");
const ACCESS = secret("at-SECRET-access-token-2222");
const REFRESH = secret("rt-SECRET-refresh-token-3333");
const CODE = secret("code-SECRET-authz-code-4444");
const VERIFIER = secret(`verifier-SECRET-5555-${"v".repeat(30)}`);
const key = await generateKeyPair("ES384", { extractable: true });
const wrongKey = await generateKeyPair("ES384", { extractable: true });
const PEM = await exportPKCS8(key.privateKey);
for (const line of PEM.split("\n").filter((l) => l.length > 40)) secret(line);
const jwk = await exportJWK(key.privateKey);
secret(jwk.d!);

// Every assertion and token that crosses the wire is a secret too.
const wiretap = (async (input: RequestInfo | URL, init?: RequestInit) => {
  const body =
    typeof init?.body === "string" ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : "";
  const form = new URLSearchParams(body);
  for (const name of ["client_assertion", "code", "code_verifier", "refresh_token", "token", "client_secret"]) {
    const v = form.get(name);
    if (v && v.length >= 8) secret(v);
  }
  const response = await fetch(input, init);
  const copy = (await response
    .clone()
    .json()
    .catch(() => undefined)) as Record<string, unknown> | undefined;
  for (const name of ["access_token", "refresh_token", "id_token"])
    if (typeof copy?.[name] === "string") secret(copy[name] as string);
  return response;
}) as typeof fetch;

let sandbox: Sandbox;
let echo: Awaited<ReturnType<typeof echoServer>>;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  await sandbox.registerClient({
    clientId: "backend",
    jwks: { keys: [{ ...(await exportJWK(key.publicKey)), kid: "k1", alg: "ES384" }] },
  });
  await sandbox.registerClient({
    clientId: "conf",
    clientSecret: CLIENT_SECRET,
    redirectUris: ["http://127.0.0.1/cb"],
  });
  echo = await echoServer();
});
afterAll(async () => {
  await sandbox?.close();
  await echo?.close();
});

describe("no secret in any view of any error (ARCHITECTURE.md invariants)", () => {
  it("provokes the error paths of Backend Services, discovery, code exchange, refresh, id_token, introspection, revocation, launch, stores and misuse; then scans them", {
    timeout: 60_000,
  }, async () => {
    const smartConfig = await discoverSmartConfiguration(sandbox.fhirBaseUrl);
    const backend = (extra: Record<string, unknown> = {}) =>
      new BackendServicesAuth({
        issuer: sandbox.fhirBaseUrl,
        clientId: "backend",
        scope: "system/Patient.rs",
        privateKey: key.privateKey,
        alg: "ES384",
        kid: "k1",
        fetch: wiretap,
        maxRetries: 0,
        ...extra,
      });

    // Backend Services: real token, then every failure
    await backend().getAccessToken();
    await provoke("backend: key the server does not know (invalid_client)", () =>
      backend({ privateKey: wrongKey.privateKey }).getAccessToken(),
    );
    await provoke("backend: wrong client id", () => backend({ clientId: "nobody" }).getAccessToken());
    sandbox.faults.failTokenRequests(1, 503);
    await provoke("backend: 503", () => backend().getAccessToken());
    sandbox.faults.failTokenRequestsWithHtml(1, 502);
    await provoke("backend: HTML 502", () => backend().getAccessToken());
    sandbox.faults.resetConnections(1);
    await provoke("backend: connection reset", () => backend().getAccessToken());
    sandbox.faults.delayTokenMs(500);
    await provoke("backend: timeout", () => backend({ timeoutMs: 100 }).getAccessToken());
    sandbox.faults.reset();
    await provoke("backend: private JWK for the wrong alg (misuse)", () =>
      backend({ privateKey: jwk, alg: "RS384" }).getAccessToken(),
    );
    await provoke("backend: PEM string for the wrong alg (misuse)", () =>
      backend({ privateKey: PEM, alg: "RS384" }).getAccessToken(),
    );
    await provoke("backend: PEM string cut short (misuse)", () =>
      backend({ privateKey: PEM.slice(0, 120) + PEM.slice(-30) }).getAccessToken(),
    );
    const failing = {
      alg: "ES384",
      kid: "k1",
      sign: async () => Promise.reject(Object.assign(new Error("KMS said no"), { name: "AccessDeniedException" })),
    } as const;
    await provoke("backend: signer that throws (issue 18)", () => backend({ privateKey: failing }).getAccessToken());
    const short = { alg: "ES384", kid: "k1", sign: async (data: Uint8Array) => data.subarray(0, 40) } as const;
    await provoke("backend: signer returning a malformed signature (issue 18)", () =>
      backend({ privateKey: short }).getAccessToken(),
    );
    await provoke("backend: public key as privateKey (misuse)", () =>
      backend({ privateKey: key.publicKey }).getAccessToken(),
    );
    await provoke("backend: echo server 400 echoing the assertion", () =>
      backend({ smartConfig: echo.config, allowedTokenEndpoints: [echo.config.token_endpoint] }).getAccessToken(),
    );
    echo.setMode("json-401");
    await provoke("backend: echo server 401 + WWW-Authenticate", () =>
      backend({ smartConfig: echo.config, allowedTokenEndpoints: [echo.config.token_endpoint] }).getAccessToken(),
    );
    echo.setMode("html-500");
    await provoke("backend: echo server HTML 500", () =>
      backend({ smartConfig: echo.config, allowedTokenEndpoints: [echo.config.token_endpoint] }).getAccessToken(),
    );
    echo.setMode("junk-200");
    await provoke("backend: echo server 200 junk echoing the assertion", () =>
      backend({ smartConfig: echo.config, allowedTokenEndpoints: [echo.config.token_endpoint] }).getAccessToken(),
    );
    // F11: a discovered token endpoint on another origin, not allowed: refused before signing
    await provoke("backend: token endpoint of another origin (untrusted_token_endpoint)", () =>
      backend({ smartConfig: { ...smartConfig, token_endpoint: `${echo.origin}/token` } }).getAccessToken(),
    );
    const brokenStore: TokenStore = {
      get: async () => {
        throw new TokenStoreError('Redis token store get of key "k" failed: Redis error', {
          code: "store_unavailable",
          key: "k",
        });
      },
      set: async () => undefined,
      delete: async () => undefined,
    };
    // Backend Services serves its token through a store outage and reports the failure (SECURITY.md F8)
    const storeErrors: unknown[] = [];
    expect(
      await backend({ tokenStore: brokenStore, onStoreError: (e: unknown) => storeErrors.push(e) }).getAccessToken(),
    ).toBeTruthy();
    expect(storeErrors.length).toBeGreaterThan(0);
    for (const error of storeErrors) provoked.push({ label: "backend: store down (onStoreError)", error });

    // Discovery
    clearDiscoveryCache();
    await provoke("discovery: HTML page echoing the request", () =>
      discoverSmartConfiguration(`${echo.origin}/fhir`, { cache: false }),
    );
    await provoke("discovery: closed port", () =>
      discoverSmartConfiguration("http://127.0.0.1:1/fhir", { cache: false }),
    );
    await provoke("discovery: credentials in the base URL", () =>
      discoverSmartConfiguration(`https://user:${CLIENT_SECRET}@ehr.example/fhir`),
    );

    // Code exchange: sandbox refusals and the echo server, Basic and post secrets
    const exchange = (extra: Record<string, unknown>) =>
      exchangeCode({
        smartConfig,
        clientId: "conf",
        redirectUri: "http://127.0.0.1/cb",
        code: CODE,
        codeVerifier: VERIFIER,
        clientSecret: CLIENT_SECRET,
        fetch: wiretap,
        ...extra,
      });
    await provoke("exchange: unknown code (invalid_grant)", () => exchange({}));
    await provoke("exchange: wrong secret", () => exchange({ clientSecret: `${CLIENT_SECRET}-wrong` }));
    for (const mode of ["json-400", "json-401", "html-500", "junk-200"]) {
      echo.setMode(mode);
      await provoke(`exchange: echo ${mode} (Basic)`, () => exchange({ smartConfig: echo.config }));
      await provoke(`exchange: echo ${mode} (post)`, () =>
        exchange({
          smartConfig: echo.config,
          clientAuth: { method: "client_secret_post", clientSecret: CLIENT_SECRET },
        }),
      );
      await provoke(`exchange: echo ${mode} (private_key_jwt)`, () =>
        exchange({
          smartConfig: echo.config,
          clientSecret: undefined,
          privateKey: key.privateKey,
          alg: "ES384",
          kid: "k1",
        }),
      );
    }
    echo.setMode("junk-200");
    await provoke("exchange: echoed body over maxResponseBytes (issue 15)", () =>
      exchange({ smartConfig: echo.config, maxResponseBytes: 64 }),
    );
    sandbox.faults.resetConnections(1);
    await provoke("exchange: reset", () => exchange({}));
    const leaving = new AbortController();
    await provoke("exchange: the caller aborts mid-request (aborted, issue 19)", () =>
      exchange({
        signal: leaving.signal,
        fetch: ((input: RequestInfo | URL, init?: RequestInit) => (
          leaving.abort(new Error("user left")), wiretap(input, init)
        )) as typeof fetch,
      }),
    );
    await provoke("backend: the caller's signal aborts the wait (aborted, issue 19)", () =>
      backend().getAccessToken({ signal: AbortSignal.abort("user left") }),
    );
    await provoke("exchange: misuse (no code verifier)", () => exchange({ codeVerifier: "" }));
    await provoke("exchange: plain http remote", () =>
      exchange({ smartConfig: { ...smartConfig, token_endpoint: "http://ehr.example/token" } }),
    );

    // Refresh and session calls against the echo server
    const tokens: StoredToken = {
      access_token: ACCESS,
      refresh_token: REFRESH,
      token_type: "Bearer",
      expires_in: 300,
      scope: "patient/*.rs",
    };
    const session = (extra: Record<string, unknown> = {}) =>
      new SmartClient({
        smartConfig: echo.config,
        clientId: "conf",
        fhirBaseUrl: `${echo.origin}/fhir`,
        tokens,
        clientSecret: CLIENT_SECRET,
        maxRetries: 0,
        ...extra,
      });
    for (const mode of ["json-400", "json-401", "html-500", "junk-200"]) {
      echo.setMode(mode);
      await provoke(`refresh: echo ${mode}`, () => session().refresh());
      await provoke(`introspect: echo ${mode}`, () =>
        introspectToken({
          smartConfig: echo.config,
          clientId: "conf",
          token: ACCESS,
          clientSecret: CLIENT_SECRET,
          bearerToken: ACCESS,
        }),
      );
      // RFC 7009: any 200 is a successful revocation, whatever the body
      if (mode !== "junk-200")
        await provoke(`revoke: echo ${mode}`, () =>
          revokeToken({ smartConfig: echo.config, clientId: "conf", token: REFRESH, clientSecret: CLIENT_SECRET }),
        );
    }
    await provoke("refresh: no refresh token", () =>
      session({ tokens: { ...tokens, refresh_token: undefined } }).refresh(),
    );
    await provoke("session: store get fails on restore", () =>
      SmartClient.restore({
        smartConfig: echo.config,
        clientId: "conf",
        fhirBaseUrl: `${echo.origin}/fhir`,
        tokenStore: brokenStore,
        storeKey: "k",
      }),
    );
    await provoke("session: misuse (tokenStore without storeKey)", () => session({ tokenStore: brokenStore }));
    await provoke("session: id_token missing", () => session().verifyIdToken());

    // id_tokens
    const idToken = secret(
      `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify({ sub: "u", at: ACCESS })).toString("base64url")}.`,
    );
    await provoke("id_token: alg none", () => verifyIdToken(idToken, { smartConfig, clientId: "conf" }));
    await provoke("id_token: no jwks_uri", () =>
      verifyIdToken(idToken, { smartConfig: { ...smartConfig, jwks_uri: undefined }, clientId: "conf" }),
    );
    await provoke("id_token: misuse (empty)", () => verifyIdToken("", { smartConfig, clientId: "conf" }));

    // Launch and callback
    const launch = new SmartLaunch({
      clientId: "conf",
      redirectUri: "http://127.0.0.1/cb",
      scope: "openid fhirUser patient/*.rs",
      trustedIssuers: [sandbox.fhirBaseUrl],
      clientSecret: CLIENT_SECRET,
      allowUnboundState: true,
    });
    await provoke("launch: untrusted iss", () => launch.ehrLaunch({ iss: "https://evil.example/fhir", launch: CODE }));
    await provoke("callback: over 8 KiB (issue 15)", () =>
      launch.handleCallback(`http://127.0.0.1/cb?code=${CODE}&state=${"s".repeat(9000)}`),
    );
    await provoke("callback: unknown state with a code", () =>
      launch.handleCallback(`http://127.0.0.1/cb?code=${CODE}&state=${"s".repeat(30)}`),
    );
    await provoke("callback: no state", () => launch.handleCallback(`?code=${CODE}`));
    const denied = await launch.standaloneLaunch({ fhirBaseUrl: sandbox.fhirBaseUrl });
    await provoke("callback: error=access_denied", () =>
      launch.handleCallback(`?state=${denied.state}&error=access_denied&error_description=no`),
    );
    const empty = await launch.standaloneLaunch({ fhirBaseUrl: sandbox.fhirBaseUrl });
    await provoke("callback: neither code nor error", () => launch.handleCallback(`?state=${empty.state}`));
    const crowded = new SmartLaunch({
      clientId: "conf",
      redirectUri: "http://127.0.0.1/cb",
      scope: "patient/*.rs",
      fhirBaseUrl: sandbox.fhirBaseUrl,
      clientSecret: CLIENT_SECRET,
      stateStore: new InMemoryLaunchStateStore({ maxPerSession: 1 }),
    });
    await crowded.standaloneLaunch({ session: CODE });
    await provoke("launch: session over its pending-launch bound (F18)", () =>
      crowded.standaloneLaunch({ session: CODE }),
    );
    const lockedOut: TokenStore & { lock: () => Promise<undefined> } = {
      get: async () => ({ ...tokens, expires_at: Date.now() - 1_000 }),
      set: async () => undefined,
      delete: async () => undefined,
      lock: async () => undefined,
    };
    await provoke("session: refresh lock never free", () =>
      session({
        tokens: { ...tokens, expires_at: Date.now() - 1_000 },
        tokenStore: lockedOut,
        storeKey: "k",
        leaseMs: 40,
        timeoutMs: 40,
      }).getAccessToken(),
    );
    // F10: the refreshed token can never be written through the lease (a holder that keeps losing it)
    const ROTATED = secret("rt-SECRET-rotated-refresh-token-5555");
    const fencedOut: TokenStore & { lock: NonNullable<TokenStore["lock"]> } = {
      get: async () => ({ ...tokens, expires_at: Date.now() - 1_000 }),
      set: async () => undefined,
      delete: async () => undefined,
      lock: async () => ({ release: async () => undefined, extend: async () => false, set: async () => false }),
    };
    const refreshed = async () =>
      new Response(
        JSON.stringify({
          access_token: secret("at-SECRET-refreshed-6666"),
          refresh_token: ROTATED,
          token_type: "Bearer",
          expires_in: 300,
        }),
        {
          headers: { "content-type": "application/json" },
        },
      );
    await provoke("session: refresh lease lost before the write", () =>
      session({
        tokens: { ...tokens, expires_at: Date.now() - 1_000 },
        tokenStore: fencedOut,
        storeKey: "k",
        leaseMs: 40,
        timeoutMs: 40,
        fetch: refreshed,
      }).getAccessToken(),
    );
    await provoke("authorize: misuse (plain challenge)", () =>
      buildAuthorizeUrl({
        smartConfig,
        clientId: "conf",
        redirectUri: "http://127.0.0.1/cb",
        scope: "patient/*.rs",
        state: "s".repeat(20),
        codeChallenge: VERIFIER,
        aud: sandbox.fhirBaseUrl,
      }),
    );

    // The scan: everything but the echo server here; the echo server in the next test
    const leaks: string[] = [];
    for (const { label, error } of provoked.filter((p) => !p.label.includes("echo"))) {
      const text = views(error).join("\n");
      for (const s of secrets)
        for (const form of encodings(s)) if (text.includes(form)) leaks.push(`${label}: shows ${s.slice(0, 12)}…`);
    }
    const kinds = new Set(
      provoked.map(({ error }) =>
        SmartAuthError.is(error) || DiscoveryError.is(error) || TokenStoreError.is(error)
          ? error.code
          : (error as Error).name,
      ),
    );
    console.log(
      `security-secrets: ${provoked.length} errors provoked (${[...kinds].sort().join(", ")}), ${secrets.size} secrets searched in 4 encodings`,
    );
    expect([...new Set(leaks)]).toEqual([]);
    // every SmartAuthError code was provoked at least once
    expect(Object.values(SmartAuthErrorCode).filter((code) => !kinds.has(code))).toEqual([]);
    expect(provoked.length).toBeGreaterThanOrEqual(50);
    expect(secrets.size).toBeGreaterThanOrEqual(10);
  });

  // Issue 9 finding F1 (fixed in src/redact.ts): a server that echoes the request into error_description /
  // error_uri, or into an unusable 200 body that oauth4webapi keeps as `cause`, put our code, verifier,
  // refresh token, client secret or assertion into SmartAuthError.message, errorDescription, errorUri and
  // util.inspect's cause chain.
  it("a server echoing the request into its error answers does not get our secrets into our errors", () => {
    const echoed = provoked.filter((p) => p.label.includes("echo"));
    expect(echoed.length).toBeGreaterThanOrEqual(20);
    const leaks: string[] = [];
    for (const { label, error } of echoed) {
      const text = views(error).join("\n");
      for (const s of secrets)
        for (const form of encodings(s)) if (text.includes(form)) leaks.push(`${label}: shows ${s.slice(0, 12)}…`);
    }
    expect([...new Set(leaks)]).toEqual([]);
  });
});
