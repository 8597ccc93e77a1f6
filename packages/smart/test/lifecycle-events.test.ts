// Issue 19 §3: lifecycle events through `onEvent`, with timings and non-secret identifiers, never a token.
import { generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import {
  BackendServicesAuth,
  InMemoryTokenStore,
  SmartClient,
  TokenStoreError,
  type SmartConfiguration,
  type SmartLifecycleEvent,
  type StoredToken,
} from "../src/index.js";

const BASE = "https://ehr.example/fhir";
const TOKEN = "https://ehr.example/auth/token";
const config = {
  token_endpoint: TOKEN,
  capabilities: [],
  code_challenge_methods_supported: ["S256"],
} as unknown as SmartConfiguration;
const issued: string[] = [];

function server(answers: Array<() => Response> = []) {
  let n = 0;
  return (async (input: RequestInfo | URL) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.endsWith("/.well-known/smart-configuration")) return Response.json(config);
    const queued = answers.shift();
    if (queued) return queued();
    const access = `at-secret-${++n}-${crypto.randomUUID()}`;
    const refresh = `rt-secret-${n}-${crypto.randomUUID()}`;
    issued.push(access, refresh);
    return Response.json({
      access_token: access,
      token_type: "Bearer",
      expires_in: 300,
      refresh_token: refresh,
      scope: "system/Patient.rs",
    });
  }) as typeof globalThis.fetch;
}

/** A store that can be switched off, as a Redis outage would. */
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

const noSecrets = (events: SmartLifecycleEvent[]) => {
  const text = JSON.stringify(events);
  for (const secret of issued) expect(text).not.toContain(secret);
  expect(text).not.toContain("smart:user-42"); // the store key itself is never named, only its hash
};

describe("lifecycle events (issue 19 §3)", () => {
  it("BackendServicesAuth: discovery, token obtained, renewed, store outage and recovery, refresh failed", async () => {
    const events: SmartLifecycleEvent[] = [];
    const { privateKey } = await generateKeyPair("ES384");
    const store = new SwitchableStore();
    const fetch = server();
    const auth = new BackendServicesAuth({
      fhirBaseUrl: BASE,
      clientId: "svc",
      scope: "system/Patient.rs",
      privateKey,
      alg: "ES384",
      kid: "k",
      fetch,
      tokenStore: store,
      allowedTokenEndpoints: [TOKEN],
      onEvent: (e) => events.push(e),
      onStoreError: () => undefined,
    });
    await auth.getAccessToken();
    auth.onUnauthorized();
    store.down = true;
    await auth.getAccessToken(); // renewed without the store
    store.down = false;
    auth.onUnauthorized();
    await auth.getAccessToken();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("discovery_refreshed");
    expect(types).toContain("token_obtained");
    expect(types.filter((t) => t === "token_renewed").length).toBeGreaterThanOrEqual(1);
    expect(types.indexOf("store_outage")).toBeLessThan(types.indexOf("store_recovered"));
    expect(types.filter((t) => t === "store_outage")).toHaveLength(1);
    const obtained = events.find((e) => e.type === "token_obtained")!;
    expect(obtained).toMatchObject({ clientId: "svc", fhirBaseUrl: BASE, scope: "system/Patient.rs" });
    expect(obtained.durationMs).toBeGreaterThanOrEqual(0);
    expect(obtained.expiresAt).toBeGreaterThan(Date.now());
    expect(obtained.storeKeyHash).toMatch(/^[0-9a-f]{16}$/);
    expect(events.find((e) => e.type === "store_outage")!.error).toMatchObject({ retryable: true });
    noSecrets(events);
  });

  it("SmartClient: token renewed, refresh failed (503), reauthorization required; a throwing listener changes nothing", async () => {
    const events: SmartLifecycleEvent[] = [];
    const fetch = server([() => Response.json({ error: "temporarily_unavailable" }, { status: 503 })]);
    const tokens = {
      access_token: "at-secret-first",
      token_type: "Bearer",
      refresh_token: "rt-secret-first",
      expires_in: 300,
      scope: "patient/*.rs",
    };
    issued.push(tokens.access_token, tokens.refresh_token);
    const smart = new SmartClient({
      smartConfig: config,
      clientId: "app",
      fhirBaseUrl: BASE,
      fetch,
      tokens,
      maxRetries: 0,
      tokenStore: new InMemoryTokenStore(),
      storeKey: "smart:user-42",
      onEvent: (e) => events.push(e),
    });
    await expect(smart.refresh()).rejects.toMatchObject({ status: 503 });
    await smart.refresh();
    const hostileFetch = server([() => new Response(null, { status: 400 })]);
    const noisy = new SmartClient({
      smartConfig: config,
      clientId: "app",
      fhirBaseUrl: BASE,
      fetch: hostileFetch,
      tokens,
      onEvent: (e) => {
        events.push(e);
        throw new Error("listener bug");
      },
    });
    await expect(noisy.refresh()).rejects.toMatchObject({ code: "reauthorization_required" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const types = events.map((e) => e.type);
    expect(types).toEqual(["refresh_failed", "token_renewed", "reauthorization_required"]);
    expect(events[0]!.error).toEqual({
      code: "token_endpoint_error",
      error: "temporarily_unavailable",
      status: 503,
      retryable: true,
    });
    expect(events[2]!.error).toMatchObject({ code: "reauthorization_required", status: 400 });
    expect(events[0]!.storeKeyHash).toMatch(/^[0-9a-f]{16}$/);
    noSecrets(events);
  });
});
