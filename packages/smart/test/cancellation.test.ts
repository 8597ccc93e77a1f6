// Issue 19 §1: a caller's AbortSignal is honoured end to end; the shared token request goes on for the others.
import { generateKeyPair } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BackendServicesAuth,
  createAuthorizedFetch,
  discoverSmartConfiguration,
  exchangeCode,
  introspectToken,
  revokeToken,
  SmartAuthError,
  SmartClient,
  type SmartConfiguration,
} from "../src/index.js";

const BASE = "https://ehr.example/fhir";
const TOKEN = "https://ehr.example/auth/token";
const config = {
  token_endpoint: TOKEN,
  introspection_endpoint: "https://ehr.example/auth/introspect",
  revocation_endpoint: "https://ehr.example/auth/revoke",
  capabilities: [],
  code_challenge_methods_supported: ["S256"],
} as unknown as SmartConfiguration;

// Like a real fetch: the answer comes after `delayMs`, unless the request's signal aborts first.
function slowServer(delayMs: number) {
  const calls: string[] = [];
  let n = 0;
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const url = new Request(input, init).url;
    calls.push(url);
    const answer = () => {
      if (url.startsWith(BASE))
        return url.endsWith("smart-configuration") ? Response.json(config) : Response.json({ resourceType: "Patient" });
      if (url.endsWith("/introspect")) return Response.json({ active: false });
      if (url.endsWith("/revoke")) return new Response(null, { status: 200 });
      return Response.json({
        access_token: `at-${++n}`,
        token_type: "Bearer",
        expires_in: 300,
        refresh_token: `rt-${n}`,
      });
    };
    if (url.startsWith(BASE) && !url.endsWith("smart-configuration")) return Promise.resolve(answer());
    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => resolve(answer()), delayMs);
      init?.signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(init.signal!.reason);
      });
    });
  }) as typeof globalThis.fetch;
  return { fetch, calls, tokenCalls: () => calls.filter((u) => u === TOKEN).length };
}

let privateKey: CryptoKey;
beforeAll(async () => {
  ({ privateKey } = await generateKeyPair("ES384"));
});

const backend = (fetch: typeof globalThis.fetch) =>
  new BackendServicesAuth({
    fhirBaseUrl: BASE,
    tokenEndpoint: TOKEN,
    clientId: "svc",
    scope: "system/Patient.rs",
    privateKey,
    alg: "ES384",
    kid: "k",
    fetch,
  });

async function timed<T>(p: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const started = performance.now();
  try {
    const value = await p;
    return { ms: performance.now() - started, value };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

function expectAborted(error: unknown, reason: unknown) {
  expect(SmartAuthError.is(error)).toBe(true);
  expect(error).toMatchObject({ code: "aborted", retryable: false });
  expect((error as Error).cause).toBe(reason);
}

describe("cancellation (issue 19 §1)", () => {
  it("a 200 ms signal against a 3 s token endpoint returns in ~200 ms while another caller still gets the token", async () => {
    const server = slowServer(3_000);
    const auth = backend(server.fetch);
    const signal = AbortSignal.timeout(200);
    const other = timed(auth.getAccessToken());
    const aborted = await timed(auth.fetch(`${BASE}/Patient/1`, { signal }));
    expect(aborted.ms).toBeLessThan(1_000);
    expect(aborted.ms).toBeGreaterThanOrEqual(150);
    expectAborted(aborted.error, signal.reason);
    const done = await other;
    expect(done.value).toBe("at-1");
    expect(done.ms).toBeGreaterThanOrEqual(2_500);
    expect(server.tokenCalls()).toBe(1);
    // the token the aborted caller gave up on serves the next request at once
    expect((await auth.fetch(`${BASE}/Patient/1`)).status).toBe(200);
    expect(server.tokenCalls()).toBe(1);
  });

  it("getAuthorization and getToken waits stop at the signal (BackendServicesAuth, SmartClient); the shared request is not cancelled", async () => {
    const server = slowServer(600);
    const auth = backend(server.fetch);
    const controller = new AbortController();
    const waiting = timed(
      Promise.resolve(auth.getAuthorization({ url: `${BASE}/Patient`, method: "GET", signal: controller.signal })),
    );
    const viaToken = timed(auth.getToken({ signal: controller.signal }));
    const other = auth.getAuthorization({ url: `${BASE}/Patient`, method: "GET" });
    setTimeout(() => controller.abort("user left"), 50);
    expectAborted((await waiting).error, "user left");
    expectAborted((await viaToken).error, "user left");
    expect((await waiting).ms).toBeLessThan(400);
    expect(await other).toBe("Bearer at-1");

    const smart = new SmartClient({
      smartConfig: config,
      clientId: "app",
      fhirBaseUrl: BASE,
      fetch: server.fetch,
      tokens: { access_token: "old", token_type: "Bearer", refresh_token: "rt-0", expires_in: 0 },
    });
    const early = AbortSignal.timeout(100);
    const gaveUp = await timed(smart.getToken({ signal: early }));
    expectAborted(gaveUp.error, early.reason);
    expect(gaveUp.ms).toBeLessThan(450);
    const header = await timed(
      Promise.resolve(
        smart.getAuthorization({ url: `${BASE}/Patient`, method: "GET", signal: AbortSignal.abort("already") }),
      ),
    );
    expectAborted(header.error, "already");
    expect((await smart.getToken()).access_token).toMatch(/^at-/);
    expect(server.tokenCalls()).toBe(2);
  });

  it("exchangeCode, introspectToken, revokeToken and discovery accept a signal: the request itself is aborted", async () => {
    const server = slowServer(3_000);
    const common = { smartConfig: config, clientId: "app", fetch: server.fetch };
    const calls: Array<[string, (signal: AbortSignal) => Promise<unknown>]> = [
      [
        "exchangeCode",
        (signal) =>
          exchangeCode({
            ...common,
            code: "c0de-123",
            codeVerifier: "v".repeat(43),
            redirectUri: "https://app.example/cb",
            signal,
          }),
      ],
      ["introspectToken", (signal) => introspectToken({ ...common, token: "at-xyz", signal })],
      ["revokeToken", (signal) => revokeToken({ ...common, token: "at-xyz", signal })],
      ["discoverSmartConfiguration", (signal) => discoverSmartConfiguration(BASE, { fetch: server.fetch, signal })],
    ];
    for (const [name, call] of calls) {
      const signal = AbortSignal.timeout(150);
      const result = await timed(call(signal));
      expect(result.ms, name).toBeLessThan(1_000);
      expectAborted(result.error, signal.reason);
      // an already-aborted signal sends nothing
      const before = server.calls.length;
      expectAborted((await timed(call(AbortSignal.abort("no")))).error, "no");
      expect(server.calls.length, name).toBe(before);
    }
  });

  it("SmartClient.introspect and revoke accept a signal", async () => {
    const server = slowServer(3_000);
    const smart = new SmartClient({
      smartConfig: config,
      clientId: "app",
      fhirBaseUrl: BASE,
      fetch: server.fetch,
      tokens: { access_token: "at-live", token_type: "Bearer", expires_in: 300 },
    });
    for (const call of [
      (signal: AbortSignal): Promise<unknown> => smart.introspect({ signal }),
      (signal: AbortSignal): Promise<unknown> => smart.revoke({ signal }),
    ]) {
      const signal = AbortSignal.timeout(150);
      const result = await timed(call(signal));
      expect(result.ms).toBeLessThan(1_000);
      expectAborted(result.error, signal.reason);
    }
  });

  it("a signal aborts the wait between retries (Retry-After, backoff)", async () => {
    let calls = 0;
    const fetch = (async () => {
      calls++;
      return Response.json({ error: "slow_down" }, { status: 503, headers: { "retry-after": "2" } });
    }) as typeof globalThis.fetch;
    const signal = AbortSignal.timeout(200);
    const auth = new BackendServicesAuth({
      fhirBaseUrl: BASE,
      tokenEndpoint: TOKEN,
      clientId: "svc",
      scope: "system/Patient.rs",
      privateKey,
      alg: "ES384",
      kid: "k",
      fetch,
      maxRetryAfterMs: 5_000,
    });
    const waited = await timed(auth.getAccessToken({ signal }));
    expect(waited.ms).toBeLessThan(1_000);
    expectAborted(waited.error, signal.reason);
    expect(calls).toBe(1); // the 2 s Retry-After wait was cut short
  });

  it("createAuthorizedFetch stops waiting on any AuthProvider that never answers", async () => {
    const never = { getAuthorization: () => new Promise<string>(() => undefined) };
    const calls: string[] = [];
    const f = createAuthorizedFetch(never, {
      fetch: (async (u: RequestInfo | URL) => (calls.push(String(u)), new Response("{}"))) as typeof globalThis.fetch,
    });
    const signal = AbortSignal.timeout(100);
    const result = await timed(f(`${BASE}/Patient`, { signal }));
    expect(result.ms).toBeLessThan(600);
    expectAborted(result.error, signal.reason);
    expect(calls).toEqual([]);
  });
});
