// Issue 20 item 6 (size): parts of SmartClient a browser redirect page does not run when it loads come through
// import() on first use. Each lazily loaded module records its loads here, and can be made to fail as a chunk
// that cannot be fetched would.
import { describe, expect, it, vi } from "vitest";
import { InMemoryTokenStore, TokenStoreError, type StoredToken, type TokenStore } from "@fhir-dsl/token-store";
import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import type { SmartLifecycleEvent } from "../src/lifecycle-events.js";
import { SmartClient } from "../src/smart-client.js";
import { exchangeCode } from "../src/exchange.js";
import { buildAuthorizeUrl } from "../src/authorize.js";
import { codeChallengeS256, generateCodeVerifier, generateState } from "@fhir-dsl/smart-pkce";
import { createFakeServer } from "./support/fake-smart-server.js";

const chunks = vi.hoisted(() => {
  const loaded: string[] = [];
  const failing = new Set<string>();
  const load = (name: string) => {
    loaded.push(name);
    if (failing.has(name)) throw new TypeError(`Failed to fetch dynamically imported module: ${name}.js`);
  };
  return { loaded, failing, load };
});
vi.mock("../src/lifecycle-sink.js", async (original) => (chunks.load("lifecycle-sink"), original()));
vi.mock("../src/fleet-renewal.js", async (original) => (chunks.load("fleet-renewal"), original()));
vi.mock("../src/id-token.js", async (original) => (chunks.load("id-token"), original()));

const BASE = "https://ehr.example/fhir";
const config = {
  token_endpoint: "https://ehr.example/auth/token",
  capabilities: [],
  code_challenge_methods_supported: ["S256"],
} as unknown as SmartConfiguration;
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function tokenServer() {
  let n = 0;
  return (async () =>
    Response.json({
      access_token: `at-${++n}`,
      token_type: "Bearer",
      expires_in: 300,
      refresh_token: `rt-${n}`,
      scope: "patient/*.rs",
    })) as typeof fetch;
}

/** A store without a lock (as web storage) that can be switched off, as an outage would. */
class SwitchableStore implements TokenStore {
  down = false;
  readonly #inner = new InMemoryTokenStore();
  async get(key: string) {
    if (this.down) throw new TokenStoreError("down", { code: "unavailable", retryable: true } as never);
    return this.#inner.get(key);
  }
  async set(key: string, value: StoredToken) {
    if (this.down) throw new TokenStoreError("down", { code: "unavailable", retryable: true } as never);
    return this.#inner.set(key, value);
  }
  async delete(key: string) {
    return this.#inner.delete(key);
  }
}

function client(onEvent?: (event: SmartLifecycleEvent) => void, tokenStore = new SwitchableStore()) {
  return new SmartClient({
    smartConfig: config,
    clientId: "app",
    fhirBaseUrl: BASE,
    fetch: tokenServer(),
    tokens: { access_token: "at-0", token_type: "Bearer", refresh_token: "rt-0", expires_in: 300 },
    tokenStore,
    storeKey: "smart:user-1",
    onEvent,
  });
}

// The cases run in order: the module registry is this file's, and a module, once loaded, stays loaded.
describe("SmartClient parts loaded on first use (issue 20 item 6)", () => {
  it("without onEvent, a session (store calls, refresh) never loads the lifecycle events module", async () => {
    const smart = client();
    await smart.getAccessToken();
    await smart.refresh();
    await settle();
    expect(chunks.loaded).toEqual([]);
  });

  it("events whose module cannot load are dropped; the token is served, and the next outcome loads it again", async () => {
    chunks.failing.add("lifecycle-sink");
    const events: SmartLifecycleEvent[] = [];
    const smart = client((e) => events.push(e));
    await smart.refresh();
    await settle();
    expect(chunks.loaded.length).toBeGreaterThan(0);
    expect(events).toEqual([]);
    expect(smart.token?.access_token).toBe("at-1");
    chunks.failing.delete("lifecycle-sink");
    vi.resetModules(); // the runner keeps a failed import; a browser fetches a chunk again
    chunks.loaded.length = 0;
    await smart.refresh();
    await vi.waitFor(() => expect(events.map((e) => e.type)).toEqual(["token_renewed"]), { timeout: 5_000 });
    expect(chunks.loaded).toEqual(["lifecycle-sink"]);
    expect(events[0]).toMatchObject({ clientId: "app", fhirBaseUrl: BASE, expiresAt: expect.any(Number) });
  });

  it("with onEvent, a SmartClient's refreshes and store outage and recovery arrive in the order they happened (issue 19 §3)", async () => {
    const events: SmartLifecycleEvent[] = [];
    const store = new SwitchableStore();
    const smart = client((e) => events.push(e), store);
    store.down = true;
    await expect(smart.refresh()).rejects.toMatchObject({ code: "token_store_error" });
    store.down = false;
    await smart.refresh();
    await vi.waitFor(() => expect(events).toHaveLength(3), { timeout: 5_000 });
    await settle();
    expect(events.map((e) => e.type)).toEqual(["store_outage", "store_recovered", "token_renewed"]);
    expect(events[0]!.error).toMatchObject({ code: "unavailable", retryable: true });
    expect(events[2]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(events[2]!.storeKeyHash).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(events)).not.toMatch(/at-\d|rt-\d|smart:user-1/);
  });

  it("a refresh under a locking store's lease loads the lease code; when that cannot load, the caller gets a typed network_error and the next call succeeds", async () => {
    const expired = {
      access_token: "at-0",
      token_type: "Bearer",
      refresh_token: "rt-0",
      expires_in: 300,
      expires_at: 1,
    };
    const store = new InMemoryTokenStore(); // has `lock`: a fleet's store
    const smart = new SmartClient({
      smartConfig: config,
      clientId: "app",
      fhirBaseUrl: BASE,
      fetch: tokenServer(),
      tokens: expired,
      tokenStore: store,
      storeKey: "smart:user-2",
    });
    chunks.loaded.length = 0;
    chunks.failing.add("fleet-renewal");
    const failure = await smart.getAccessToken().catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: "SmartAuthError", code: "network_error", retryable: true });
    expect((failure as Error).cause).toBeInstanceOf(Error); // the loader's own error, kept
    expect(chunks.loaded).toEqual(["fleet-renewal"]);
    expect((await store.get("smart:user-2"))?.refresh_token).toBe("rt-0"); // nothing lost: the refresh was not sent
    chunks.failing.delete("fleet-renewal");
    vi.resetModules();
    expect(await smart.getAccessToken()).toBe("at-1");
    expect(chunks.loaded).toEqual(["fleet-renewal", "fleet-renewal"]);
    expect((await store.get("smart:user-2"))?.refresh_token).toBe("rt-1");
  });

  it("id_token checks that cannot load fail the code exchange with a typed network_error (issue 20 item 6)", async () => {
    const server = await createFakeServer();
    const codeVerifier = generateCodeVerifier();
    const redirectUri = "https://app.example.com/cb";
    const url = buildAuthorizeUrl({
      smartConfig: server.config,
      clientId: "my-app",
      redirectUri,
      scope: "openid fhirUser patient/*.rs",
      state: generateState(),
      codeChallenge: await codeChallengeS256(codeVerifier),
      aud: server.FHIR,
    });
    const code = server.authorize(url, { patient: "123" }).searchParams.get("code")!;
    chunks.failing.add("id-token");
    const exchange = {
      smartConfig: server.config,
      clientId: "my-app",
      redirectUri,
      code,
      codeVerifier,
      fetch: server.fetch,
    };
    await expect(exchangeCode(exchange)).rejects.toMatchObject({ code: "network_error", retryable: true });
    chunks.failing.delete("id-token");
  });
});
