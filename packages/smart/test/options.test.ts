// Issue 16 item 3: one step resolves a flow's options, with the defaults exported as DEFAULT_ constants.
import { InMemoryTokenStore, type StoredToken, type TokenStore } from "@fhir-dsl/token-store";
import { describe, expect, it } from "vitest";
import * as smart from "../src/index.js";
import { resolveRenewal } from "../src/options.js";
import { TokenManager } from "../src/token-manager.js";

describe("option defaults (issue 16 item 3)", () => {
  it("are exported from the entry with the values the options' docs name", () => {
    expect({
      timeout: smart.DEFAULT_TIMEOUT_MS,
      retries: smart.DEFAULT_MAX_RETRIES,
      retryAfter: smart.DEFAULT_MAX_RETRY_AFTER_MS,
      margin: smart.DEFAULT_REFRESH_MARGIN_MS,
      lease: smart.MIN_DEFAULT_LEASE_MS,
      tolerance: smart.DEFAULT_CLOCK_TOLERANCE_SECONDS,
      iatAge: smart.DEFAULT_MAX_IAT_AGE_SECONDS,
      stateTtl: smart.DEFAULT_STATE_TTL_MS,
      redirects: smart.DEFAULT_MAX_REDIRECTS,
      assertion: smart.DEFAULT_ASSERTION_LIFETIME_SECONDS,
      urlLength: smart.DEFAULT_MAX_AUTHORIZE_URL_LENGTH,
    }).toEqual({
      timeout: 10_000,
      retries: 2,
      retryAfter: 5_000,
      margin: 60_000,
      lease: 30_000,
      tolerance: 60,
      iatAge: 3_600,
      stateTtl: 600_000,
      redirects: 5,
      assertion: 240,
      urlLength: 2_000,
    });
  });

  it("resolveRenewal fills every default once, and refuses a lease shorter than the worst-case refresh naming the caller (SECURITY.md F10)", () => {
    const resolved = resolveRenewal("SmartClient", {});
    expect(resolved).toEqual({ now: Date.now, refreshMarginMs: smart.DEFAULT_REFRESH_MARGIN_MS, leaseMs: 45_000 }); // 10 s x 3 attempts + 2 x 5 s Retry-After + 5 s for the store calls
    const now = () => 1;
    expect(resolveRenewal("X", { now, refreshMarginMs: 5_000, leaseMs: 90_000 })).toEqual({
      now,
      refreshMarginMs: 5_000,
      leaseMs: 90_000,
    });
    expect(() => resolveRenewal("BackendServicesAuth", { leaseMs: 1_000 })).toThrow(
      /^BackendServicesAuth: leaseMs 1000 ms is shorter than the worst-case refresh/,
    );
  });

  it("SmartLaunch checks its sessions' lease at construction, not at the callback after the code is spent (checklist E9)", () => {
    const options = {
      clientId: "app",
      redirectUri: "https://app.example/cb",
      scope: "openid fhirUser launch/patient",
      fhirBaseUrl: "https://ehr.example/fhir",
    };
    expect(() => new smart.SmartLaunch({ ...options, leaseMs: 1_000 })).toThrow(
      /^SmartLaunch: leaseMs 1000 ms is shorter than the worst-case refresh/,
    );
    expect(() => new smart.SmartLaunch({ ...options, timeoutMs: -1 })).toThrow(TypeError);
    expect(new smart.SmartLaunch({ ...options, leaseMs: 60_000 })).toBeInstanceOf(smart.SmartLaunch);
  });
});

describe("a store the flow made for itself takes no lease (cold start: no lock, no fleet code)", () => {
  const token = (n: number): StoredToken => ({
    access_token: `at-${n}`,
    token_type: "Bearer",
    expires_in: 300,
    expires_at: Date.now() + 300_000,
  });
  function lockCounting() {
    const inner = new InMemoryTokenStore();
    const calls = { lock: 0 };
    const store: TokenStore = {
      get: (k) => inner.get(k),
      set: (k, v) => inner.set(k, v),
      delete: (k) => inner.delete(k),
      lock: (k, ms) => (calls.lock++, inner.lock(k, ms)),
    };
    return { store, calls };
  }

  it("ownStore: renews without calling lock(); a shared locking store is locked", async () => {
    for (const ownStore of [true, false]) {
      const { store, calls } = lockCounting();
      let n = 0;
      const manager = new TokenManager({ store, key: "k", now: Date.now, obtain: async () => token(++n), ownStore });
      expect((await manager.get()).access_token).toBe("at-1");
      expect(calls.lock).toBe(ownStore ? 0 : 1);
    }
  });
});
