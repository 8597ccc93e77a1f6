// Issue 14, section 1 (SECURITY.md F10): a refresh lease that cannot be outlived, fenced writes, and
// invalid_grant that reads the store again before clearing. RFC 9700 4.14.2: a rotated refresh token
// presented twice revokes the grant, so a second process must never refresh from a token already spent.
import { InMemoryTokenStore, type StoredToken, type TokenLock, type TokenStore } from "@fhir-dsl/token-store";
import { generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { BackendServicesAuth, SmartAuthError, SmartAuthErrorCode, SmartClient } from "../src/index.js";
import { resolveLeaseMs, worstCaseRefreshMs } from "../src/lease.js";
import { TokenManager } from "../src/token-manager.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const token = (name: string, lifetimeS = 300, refresh?: string): StoredToken => ({
  access_token: `at-${name}`,
  token_type: "Bearer",
  expires_in: lifetimeS,
  expires_at: Date.now() + lifetimeS * 1000,
  ...(refresh ? { refresh_token: refresh } : {}),
});
const stale = (name: string, refresh?: string): StoredToken => ({
  ...token(name, 300, refresh),
  expires_at: Date.now() - 1_000,
});

/** A store whose locks count extend() calls and can be told to refuse their fenced write. */
function instrumented(inner = new InMemoryTokenStore()) {
  const calls = { extend: 0, fencedSet: 0, set: 0, delete: 0 };
  const control = { refuseFencedWrites: 0, onFencedSet: async () => {} };
  const store: TokenStore & { lock: NonNullable<TokenStore["lock"]> } = {
    get: (k) => inner.get(k),
    set: (k, v) => (calls.set++, inner.set(k, v)),
    delete: (k) => (calls.delete++, inner.delete(k)),
    lock: async (k, ms) => {
      const lock = await inner.lock(k, ms);
      if (!lock) return undefined;
      return {
        release: () => lock.release(),
        extend: (m) => (calls.extend++, lock.extend(m)),
        set: async (v) => {
          calls.fencedSet++;
          await control.onFencedSet();
          if (control.refuseFencedWrites > 0) {
            control.refuseFencedWrites--;
            return false;
          }
          return lock.set(v);
        },
      } satisfies TokenLock;
    },
  };
  return { store, inner, calls, control };
}

describe("lease extension while a refresh is in flight (F10)", () => {
  it("a token request 4x longer than the lease: the holder keeps the lease, a second process waits and takes its token; one request", async () => {
    const { store, calls } = instrumented();
    await store.set("k", stale("old", "rt-0"));
    let requests = 0;
    const slowObtain = async (current: StoredToken | undefined) => {
      requests++;
      await sleep(600); // leaseMs is 150
      return token(`new-from-${current?.refresh_token}`, 300, `rt-${requests}`);
    };
    const a = new TokenManager({ store, key: "k", now: Date.now, leaseMs: 150, obtain: slowObtain });
    const b = new TokenManager({ store, key: "k", now: Date.now, leaseMs: 150, obtain: slowObtain });
    const first = a.get();
    await sleep(300); // well past the first lease end: without extension b would take the lease and refresh from rt-0 again
    const second = b.get();
    const [ta, tb] = await Promise.all([first, second]);
    expect(requests).toBe(1);
    expect(ta.access_token).toBe("at-new-from-rt-0");
    expect(tb.access_token).toBe(ta.access_token);
    // extended every leaseMs / 3 = 50 ms over ~600 ms
    expect(calls.extend).toBeGreaterThanOrEqual(6);
    expect(calls.fencedSet).toBe(1);
    expect(calls.set).toBe(1); // the test's own seed only: the refreshed token went through the lease
    expect((await store.get("k"))?.refresh_token).toBe("rt-1");
  });

  it("extension stops once the refresh is done (no timer left extending a released lease)", async () => {
    const { store, calls } = instrumented();
    const m = new TokenManager({
      store,
      key: "k",
      now: Date.now,
      leaseMs: 90,
      obtain: async () => (await sleep(100), token("a")),
    });
    await m.get();
    const after = calls.extend;
    await sleep(200);
    expect(calls.extend).toBe(after);
    expect(await store.lock("k", 1_000)).toBeDefined(); // released
  });
});

describe("the fenced write after a refresh (F10)", () => {
  it("refused because the lease was lost, and another process stored a newer token meanwhile: that one is used, the loss reported typed", async () => {
    const { store, inner, control } = instrumented();
    await inner.set("k", stale("old", "rt-0"));
    const reports: SmartAuthError[] = [];
    control.refuseFencedWrites = 1;
    control.onFencedSet = async () => {
      control.onFencedSet = async () => {};
      await inner.set("k", token("from-the-new-holder", 300, "rt-newer")); // what the holder that took the lease stored
    };
    const m = new TokenManager({
      store,
      key: "k",
      now: Date.now,
      leaseMs: 1_000,
      obtain: async () => token("ours", 300, "rt-ours"),
      onStoreError: (e) => reports.push(e),
    });
    const got = await m.get();
    expect(got.access_token).toBe("at-from-the-new-holder");
    expect(m.peek()).toBe("Bearer at-from-the-new-holder");
    expect((await store.get("k"))?.refresh_token).toBe("rt-newer"); // never overwritten by the late holder
    expect(reports.map((e) => [e.code, e.retryable])).toEqual([[SmartAuthErrorCode.RefreshLeaseLost, true]]);
  });

  it("refused, and the store still holds the token the refresh started from: ours is written through a new lease", async () => {
    const { store, inner, control } = instrumented();
    await inner.set("k", stale("old", "rt-0"));
    control.refuseFencedWrites = 1;
    const m = new TokenManager({
      store,
      key: "k",
      now: Date.now,
      leaseMs: 1_000,
      obtain: async () => token("ours", 300, "rt-ours"),
    });
    expect((await m.get()).access_token).toBe("at-ours");
    expect((await store.get("k"))?.refresh_token).toBe("rt-ours"); // the rotated refresh token is not lost
  });

  it("refused until the wait ends: the rotated token stays in memory (never silently dropped), typed refresh_lease_lost, stored on the next call without a second request", async () => {
    const { store, inner, control } = instrumented();
    await inner.set("k", stale("old", "rt-0"));
    control.refuseFencedWrites = 1_000;
    let requests = 0;
    const m = new TokenManager({
      store,
      key: "k",
      now: Date.now,
      leaseMs: 60,
      obtain: async () => (requests++, token("ours", 300, "rt-ours")),
    });
    const error = await m.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmartAuthError);
    expect(error).toMatchObject({ code: SmartAuthErrorCode.RefreshLeaseLost, retryable: true });
    expect(JSON.stringify(error)).not.toContain("rt-ours");
    expect(m.token?.refresh_token).toBe("rt-ours"); // kept
    expect(m.peek()).toBeUndefined(); // not served as settled while unstored
    control.refuseFencedWrites = 0;
    expect((await m.get()).access_token).toBe("at-ours");
    expect(requests).toBe(1);
    expect((await store.get("k"))?.refresh_token).toBe("rt-ours");
    expect(m.peek()).toBe("Bearer at-ours");
  });

  it("a store that fails the fenced write (outage): the token is kept and stored through a lease on the next call, one request", async () => {
    const { store, inner } = instrumented();
    await inner.set("k", stale("old", "rt-0"));
    let down = true;
    const flaky: TokenStore = {
      ...store,
      lock: async (k, ms) => {
        const lock = (await store.lock(k, ms))!;
        return {
          ...lock,
          set: async (v) =>
            down ? Promise.reject(Object.assign(new Error("down"), { retryable: true })) : lock.set(v),
        };
      },
    };
    let requests = 0;
    const m = new TokenManager({
      store: flaky,
      key: "k",
      now: Date.now,
      leaseMs: 1_000,
      obtain: async () => (requests++, token("ours", 300, "rt-ours")),
    });
    await expect(m.get()).rejects.toMatchObject({ code: SmartAuthErrorCode.TokenStore });
    down = false;
    expect((await m.get()).refresh_token).toBe("rt-ours");
    expect(requests).toBe(1);
    expect((await inner.get("k"))?.refresh_token).toBe("rt-ours");
  });

  it("a lock without extend() and set() (an adapter of the old contract) is refused with a TypeError, and released", async () => {
    const inner = new InMemoryTokenStore();
    const old: TokenStore = {
      ...inner,
      get: (k) => inner.get(k),
      set: (k, v) => inner.set(k, v),
      delete: (k) => inner.delete(k),
      lock: async (k, ms) => {
        const lock = await inner.lock(k, ms);
        return lock && ({ release: () => lock.release() } as TokenLock);
      },
    };
    const m = new TokenManager({ store: old, key: "k", now: Date.now, obtain: async () => token("a") });
    await expect(m.get()).rejects.toThrow(/extend\(\) and set\(\)/);
    expect(await inner.lock("k", 1_000)).toBeDefined();
  });
});

describe("invalid_grant reads the store again before clearing (F10)", () => {
  const refused = () =>
    new SmartAuthError("refused", { code: SmartAuthErrorCode.ReauthorizationRequired, error: "invalid_grant" });

  it("another process stored a newer token: it is used, nothing is deleted", async () => {
    const { store, inner, calls } = instrumented();
    await inner.set("k", stale("old", "rt-0"));
    const m = new TokenManager({
      store,
      key: "k",
      now: Date.now,
      obtain: async () => {
        await inner.set("k", token("newer", 300, "rt-newer")); // stored by another process while ours was refused
        throw refused();
      },
    });
    expect((await m.get()).access_token).toBe("at-newer");
    expect(calls.delete).toBe(0);
    expect((await store.get("k"))?.refresh_token).toBe("rt-newer");
  });

  it("the store holds the very token that was refused: it is deleted, and the error is reauthorization_required", async () => {
    const { store, inner, calls } = instrumented();
    await inner.set("k", stale("old", "rt-0"));
    const m = new TokenManager({ store, key: "k", now: Date.now, obtain: async () => Promise.reject(refused()) });
    await expect(m.get()).rejects.toMatchObject({ code: SmartAuthErrorCode.ReauthorizationRequired });
    expect(calls.delete).toBe(1);
    expect(await store.get("k")).toBeUndefined();
    expect(m.token).toBeUndefined();
  });

  it("never deletes a token it did not read: many interleavings of another writer (generated)", async () => {
    for (let i = 0; i < 40; i++) {
      const { store, inner, calls } = instrumented();
      const seeded = stale(`old-${i}`, `rt-${i}`);
      await inner.set("k", seeded);
      // the other writer's token differs in the access token, the refresh token or both
      const variants = [
        token(`other-${i}`, 300, `rt-${i}`),
        token(`old-${i}`, 300, `rt-other-${i}`),
        token(`x-${i}`, 300),
        { ...seeded, refresh_token: undefined },
      ];
      const other = variants[i % variants.length]!;
      const m = new TokenManager({
        store,
        key: "k",
        now: Date.now,
        obtain: async () => {
          await inner.set("k", other);
          throw refused();
        },
      });
      await m.get().catch(() => undefined);
      expect(calls.delete).toBe(0);
      expect(await store.get("k")).toEqual(other);
    }
  });

  it("under a lease that was lost meanwhile, even the token it read is not deleted", async () => {
    const { store, inner, calls } = instrumented();
    await inner.set("k", stale("old", "rt-0"));
    // the lease is gone by the time invalid_grant arrives: extend() says so
    const lostLeases: TokenStore = {
      ...store,
      lock: async (k, ms) => {
        const lock = await store.lock(k, ms);
        return lock && { ...lock, extend: async () => false };
      },
    };
    const m2 = new TokenManager({
      store: lostLeases,
      key: "k",
      now: Date.now,
      leaseMs: 60,
      obtain: async () => Promise.reject(refused()),
    });
    await expect(m2.get()).rejects.toMatchObject({ code: SmartAuthErrorCode.ReauthorizationRequired });
    expect(calls.delete).toBe(0);
    expect(await store.get("k")).toBeDefined();
  });
});

describe("a lease shorter than the worst-case refresh is refused at construction (F10)", () => {
  const smartConfig = {
    token_endpoint: "https://ehr.example/token",
    capabilities: [],
    code_challenge_methods_supported: ["S256"],
  } as never;
  const tokens = { access_token: "at", token_type: "Bearer", refresh_token: "rt", expires_in: 300 };

  it("the worst case is timeoutMs x (maxRetries + 1) + the backoff ceilings or Retry-After maximum (token-request.ts)", () => {
    expect(worstCaseRefreshMs({ maxRetryAfterMs: 0 })).toEqual({ totalMs: 10_000 * 3 + 100 + 200, backoffMs: 300 });
    expect(worstCaseRefreshMs({ timeoutMs: 1_000, maxRetries: 0 })).toEqual({ totalMs: 1_000, backoffMs: 0 });
    expect(worstCaseRefreshMs({ timeoutMs: 500, maxRetries: 6, maxRetryAfterMs: 0 }).backoffMs).toBe(
      100 + 200 + 400 + 800 + 1_600 + 2_000,
    );
    // issue 19: a Retry-After up to maxRetryAfterMs (default 5 s) may be waited for between attempts
    expect(worstCaseRefreshMs({})).toEqual({ totalMs: 10_000 * 3 + 5_000 + 5_000, backoffMs: 10_000 });
    expect(worstCaseRefreshMs({ timeoutMs: 500, maxRetries: 6, maxRetryAfterMs: 1_000 }).backoffMs).toBe(
      1_000 * 4 + 1_600 + 2_000,
    );
  });

  it("the default lease covers the worst case plus room for the store calls, at least 30 s", () => {
    expect(resolveLeaseMs("X", {})).toBe(45_000);
    expect(resolveLeaseMs("X", { maxRetryAfterMs: 0 })).toBe(35_300);
    expect(resolveLeaseMs("X", { timeoutMs: 1_000, maxRetries: 0 })).toBe(30_000);
    expect(resolveLeaseMs("X", { timeoutMs: 30_000, maxRetries: 3, maxRetryAfterMs: 0 })).toBe(120_000 + 700 + 5_000);
  });

  it("SmartClient and BackendServicesAuth: every too-short combination is a TypeError naming both figures; an equal or longer lease is accepted", async () => {
    const { privateKey } = await generateKeyPair("ES384");
    const make = {
      SmartClient: (o: Record<string, unknown>) =>
        new SmartClient({ smartConfig, clientId: "app", tokens, fhirBaseUrl: "https://ehr.example/fhir", ...o }),
      BackendServicesAuth: (o: Record<string, unknown>) =>
        new BackendServicesAuth({
          fhirBaseUrl: "https://ehr.example/fhir",
          clientId: "svc",
          scope: "system/Patient.rs",
          privateKey,
          alg: "ES384",
          ...o,
        }),
    };
    let refusedCount = 0;
    for (const [who, build] of Object.entries(make)) {
      for (const timeoutMs of [undefined, 50, 1_000, 10_000, 45_000]) {
        for (const maxRetries of [undefined, 0, 1, 2, 5]) {
          const { totalMs } = worstCaseRefreshMs({
            ...(timeoutMs === undefined ? {} : { timeoutMs }),
            ...(maxRetries === undefined ? {} : { maxRetries }),
          });
          for (const leaseMs of [1, Math.floor(totalMs / 2), totalMs - 1, totalMs, totalMs + 1, 30_000]) {
            const options = { timeoutMs, maxRetries, leaseMs };
            if (leaseMs < totalMs) {
              refusedCount++;
              expect(() => build(options), `${who} ${JSON.stringify(options)}`).toThrow(TypeError);
              try {
                build(options);
              } catch (error) {
                const message = (error as Error).message;
                expect(message).toContain(`leaseMs ${leaseMs} ms`);
                expect(message).toContain(`worst-case refresh ${totalMs} ms`);
                expect(message.startsWith(who)).toBe(true);
              }
            } else {
              expect(() => build(options), `${who} ${JSON.stringify(options)}`).not.toThrow();
            }
          }
        }
      }
    }
    expect(refusedCount).toBeGreaterThan(100);
  });

  it("leaseMs, timeoutMs and maxRetries that are not numbers are TypeErrors", () => {
    for (const bad of [
      { leaseMs: 0 },
      { leaseMs: -5 },
      { leaseMs: Number.NaN },
      { leaseMs: "60000" },
      { timeoutMs: 0 },
      { maxRetries: -1 },
      { maxRetries: 1.5 },
    ]) {
      expect(
        () =>
          new SmartClient({
            smartConfig,
            clientId: "app",
            tokens,
            fhirBaseUrl: "https://ehr.example/fhir",
            ...(bad as object),
          }),
        JSON.stringify(bad),
      ).toThrow(TypeError);
    }
  });
});
