/**
 * Faults at the token endpoint (issue 9), against the sandbox on real sockets: a code is never
 * replayed whatever happens to its request; a refresh is retried only when the server provably did
 * not consume the refresh token (an answered 503/429), with bounded backoff; a refresh lost in a
 * timeout ends the session cleanly instead of looping. Backend Services retries are covered in
 * backend-services.test.ts, refresh after 503 and reset in app-launch-sandbox.test.ts.
 */
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  buildAuthorizeUrl,
  codeChallengeS256,
  discoverSmartConfiguration,
  exchangeCode,
  generateCodeVerifier,
  generateState,
  InMemoryTokenStore,
  SmartAuthError,
  SmartClient,
  type SmartConfiguration,
} from "../src/index.js";

const REDIRECT = "http://127.0.0.1/cb";
let sandbox: Sandbox;
let smartConfig: SmartConfiguration;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  await sandbox.registerClient({ clientId: "app", redirectUris: [REDIRECT] });
  smartConfig = await discoverSmartConfiguration(sandbox.fhirBaseUrl);
});
afterAll(() => sandbox?.close());
beforeEach(() => {
  sandbox.faults.reset();
  sandbox.stats.reset();
});

async function code() {
  const codeVerifier = generateCodeVerifier();
  const url = buildAuthorizeUrl({
    smartConfig,
    clientId: "app",
    redirectUri: REDIRECT,
    scope: "patient/*.rs offline_access",
    state: generateState(),
    codeChallenge: await codeChallengeS256(codeVerifier),
    aud: sandbox.fhirBaseUrl,
  });
  const redirect = await sandbox.authorize(url);
  return { code: redirect.searchParams.get("code")!, codeVerifier };
}
const exchange = async (extra: Record<string, unknown> = {}) =>
  exchangeCode({ smartConfig, clientId: "app", redirectUri: REDIRECT, ...(await code()), ...extra });
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as SmartAuthError,
  );

describe("code exchange under faults: the code is sent once, whatever happens (checklist E9)", () => {
  for (const [fault, expected] of [
    ["503", "token_endpoint_error"],
    ["HTML 502", "token_endpoint_error"],
    ["connection reset", "network_error"],
    ["timeout", "timeout"],
  ] as const) {
    it(`${fault}: one token request, a typed ${expected}`, async () => {
      const pending = code();
      const { code: c, codeVerifier } = await pending;
      sandbox.stats.reset();
      if (fault === "503") sandbox.faults.failTokenRequests(3, 503);
      if (fault === "HTML 502") sandbox.faults.failTokenRequestsWithHtml(3, 502);
      if (fault === "connection reset") sandbox.faults.resetConnections(3);
      if (fault === "timeout") sandbox.faults.delayTokenMs(600);
      let sent = 0;
      const counting = ((input: RequestInfo | URL, init?: RequestInit) => {
        if (String(init?.body ?? "").includes("grant_type=authorization_code")) sent++;
        return fetch(input, init);
      }) as typeof fetch;
      // maxRetries is not an exchangeCode option; passed anyway to show it cannot turn replay on
      const error = await failure(
        exchangeCode({
          smartConfig,
          clientId: "app",
          redirectUri: REDIRECT,
          code: c,
          codeVerifier,
          timeoutMs: 200,
          fetch: counting,
          maxRetries: 5,
        } as Parameters<typeof exchangeCode>[0]),
      );
      expect(sent).toBe(1);
      expect(SmartAuthError.is(error) && error.code).toBe(expected);
      // let the server finish a delayed request before the next test arms its faults
      if (fault === "timeout") await new Promise((resolve) => setTimeout(resolve, 700));
      expect(sandbox.stats.tokenRequestsByGrant.authorization_code ?? sandbox.stats.tokenRequests).toBeLessThanOrEqual(
        1,
      );
    });
  }
});

describe("refresh under faults (checklist E3, E8)", () => {
  it("503 until the budget is spent: maxRetries + 1 requests with backoff, then a typed retryable error; the session survives", async () => {
    const smart = new SmartClient({ smartConfig, clientId: "app", tokens: await exchange(), maxRetries: 2 });
    sandbox.stats.reset();
    sandbox.faults.failTokenRequests(3, 503);
    const started = Date.now();
    const error = await failure(smart.refresh());
    expect(error).toMatchObject({ code: "token_endpoint_error", status: 503, retryable: true });
    expect(sandbox.stats.tokenRequestsByGrant.refresh_token).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100); // two backoff sleeps of at least 50 ms and 100 ms
    // nothing was consumed: the next refresh works with the same refresh token
    expect((await smart.refresh()).access_token).toBeTruthy();
  });

  it("a refresh that times out is not replayed; the next call either refreshes or ends the session cleanly, never loops", async () => {
    let sent = 0;
    const counting = ((input: RequestInfo | URL, init?: RequestInit) => {
      if (String(init?.body ?? "").includes("grant_type=refresh_token")) sent++;
      return fetch(input, init);
    }) as typeof fetch;
    const store = new InMemoryTokenStore();
    const smart = new SmartClient({
      smartConfig,
      clientId: "app",
      tokens: await exchange(),
      tokenStore: store,
      storeKey: "s",
      timeoutMs: 150,
      fetch: counting,
    });
    await smart.getToken();
    sandbox.faults.delayTokenMs(500);
    expect(await failure(smart.refresh())).toMatchObject({ code: "timeout" });
    expect(sent).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 600));
    sandbox.faults.reset();
    // oidc-provider drops a request whose client went away, so here the refresh token survived
    const next = await smart.refresh().then(
      (t) => t.access_token,
      (e: unknown) => (e as SmartAuthError).code,
    );
    expect(next === "reauthorization_required" || typeof next === "string").toBe(true);
    expect(sent).toBe(2);
    // the rotated-away refresh token is gone for good: presenting it ends the session, once
    sandbox.faults.invalidGrantOnNextRefresh();
    expect(await failure(smart.refresh())).toMatchObject({ code: "reauthorization_required" });
    expect(await store.get("s")).toBeUndefined();
    await failure(smart.getToken());
    await failure(smart.getToken());
    expect(sent).toBe(3);
  });
});
