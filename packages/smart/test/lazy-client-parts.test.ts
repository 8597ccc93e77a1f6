// Issue 20 item 6 (size): parts of SmartClient a browser redirect page does not run when it loads come through
// import() on first use. Each lazily loaded module records its loads here, and can be made to fail as a chunk
// that cannot be fetched would.
import { describe, expect, it, vi } from "vitest";
import { InMemoryTokenStore, TokenStoreError, type StoredToken } from "@fhir-dsl/token-store";
import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import type { SmartLifecycleEvent } from "../src/lifecycle-events.js";
import { SmartClient } from "../src/smart-client.js";

const chunks = vi.hoisted(() => {
  const loaded: string[] = [];
  const failing = new Set<string>();
  const load = (name: string) => {
    loaded.push(name);
    if (failing.has(name)) throw new TypeError(`Failed to fetch dynamically imported module: ${name}.js`);
  };
  return { loaded, failing, load };
});
vi.mock("../src/lifecycle-events.js", async (original) => (chunks.load("lifecycle-events"), original()));

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

/** A store that can be switched off, as an outage would. */
class SwitchableStore extends InMemoryTokenStore {
  down = false;
  override async get(key: string) {
    if (this.down) throw new TokenStoreError("down", { code: "unavailable", retryable: true } as never);
    return super.get(key);
  }
  override async set(key: string, value: StoredToken) {
    if (this.down) throw new TokenStoreError("down", { code: "unavailable", retryable: true } as never);
    return super.set(key, value);
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
    chunks.failing.add("lifecycle-events");
    const events: SmartLifecycleEvent[] = [];
    const smart = client((e) => events.push(e));
    await smart.refresh();
    await settle();
    expect(chunks.loaded.length).toBeGreaterThan(0);
    expect(events).toEqual([]);
    expect(smart.token?.access_token).toBe("at-1");
    chunks.failing.delete("lifecycle-events");
    vi.resetModules(); // the runner keeps a failed import; a browser fetches a chunk again
    chunks.loaded.length = 0;
    await smart.refresh();
    await settle();
    expect(chunks.loaded).toEqual(["lifecycle-events"]);
    expect(events.map((e) => e.type)).toEqual(["token_renewed"]);
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
    await settle();
    expect(events.map((e) => e.type)).toEqual(["store_outage", "store_recovered", "token_renewed"]);
    expect(events[0]!.error).toMatchObject({ code: "unavailable", retryable: true });
    expect(events[2]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(events[2]!.storeKeyHash).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(events)).not.toMatch(/at-\d|rt-\d|smart:user-1/);
  });
});
