import { InMemoryTokenStore, type StoredToken, type TokenStore } from "@fhir-dsl/token-store";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { SmartAuthError } from "../src/errors.js";
import { TokenManager, renewAt } from "../src/token-manager.js";

function counting(store: TokenStore) {
  const calls = { get: 0, set: 0, delete: 0, lock: 0 };
  const wrapped: TokenStore = {
    get: (k) => (calls.get++, store.get(k)),
    set: (k, v) => (calls.set++, store.set(k, v)),
    delete: (k) => (calls.delete++, store.delete(k)),
    ...(store.lock ? { lock: (k: string, ms: number) => (calls.lock++, store.lock!(k, ms)) } : {}),
  };
  return { store: wrapped, calls };
}

const token = (n: number, now: number, lifetime = 300): StoredToken => ({
  access_token: `at-${n}`,
  token_type: "Bearer",
  expires_in: lifetime,
  expires_at: now + lifetime * 1000,
});

describe("TokenManager", () => {
  it("serves a fresh token from memory: no store read, no renewal (hot path)", async () => {
    const now = 0;
    const { store, calls } = counting(new InMemoryTokenStore());
    let n = 0;
    const m = new TokenManager({ store, key: "k", now: () => now, obtain: async () => token(++n, now) });
    expect(await m.header()).toBe("Bearer at-1");
    const before = { ...calls };
    for (let i = 0; i < 10_000; i++) expect(m.peek()).toBe("Bearer at-1");
    expect(calls).toEqual(before);
    expect(n).toBe(1);
  });

  it("single-flight: 1,000 concurrent callers share one renewal", async () => {
    let n = 0;
    const m = new TokenManager({
      store: new InMemoryTokenStore(),
      key: "k",
      now: Date.now,
      obtain: async () => {
        await new Promise((r) => setTimeout(r, 20));
        return token(++n, Date.now());
      },
    });
    const headers = await Promise.all(Array.from({ length: 1000 }, () => m.header()));
    expect(new Set(headers)).toEqual(new Set(["Bearer at-1"]));
    expect(n).toBe(1);
  });

  it("renews ahead of expiry, the margin capped at a quarter of the lifetime (checklist E4)", () => {
    expect(renewAt(token(1, 0, 300), 60_000)).toBe(240_000);
    expect(renewAt(token(1, 0, 4), 60_000)).toBe(3_000);
    expect(renewAt({ access_token: "a", token_type: "Bearer" }, 60_000)).toBe(Number.POSITIVE_INFINITY);
  });

  it("renews once the token is stale", async () => {
    let now = 0;
    let n = 0;
    const m = new TokenManager({
      store: new InMemoryTokenStore(),
      key: "k",
      now: () => now,
      obtain: async () => token(++n, now),
    });
    await m.get();
    now = 239_999;
    expect(m.peek()).toBe("Bearer at-1");
    now = 240_000;
    expect(m.peek()).toBeUndefined();
    expect(await m.header()).toBe("Bearer at-2");
  });

  it("restores from the store without renewing, keeping the persisted expiry", async () => {
    const store = new InMemoryTokenStore();
    await store.set("k", token(7, 1_000));
    const obtain = vi.fn();
    const m = new TokenManager({ store, key: "k", now: () => 2_000, obtain });
    expect((await m.get()).expires_at).toBe(301_000);
    expect(obtain).not.toHaveBeenCalled();
  });

  it("after a 401 renews once and does not take the rejected token back from the store (E20)", async () => {
    const store = new InMemoryTokenStore();
    let n = 0;
    const m = new TokenManager({ store, key: "k", now: Date.now, obtain: async () => token(++n, Date.now()) });
    await m.get();
    m.invalidate("at-1");
    expect(m.peek()).toBeUndefined();
    expect(await m.header()).toBe("Bearer at-2");
    m.invalidate("at-1"); // a late 401 for the old token changes nothing
    expect(m.peek()).toBe("Bearer at-2");
    expect(n).toBe(2);
  });

  it("with a locking store, the lock holder renews and a waiter takes its stored token", async () => {
    const shared = new InMemoryTokenStore();
    let n = 0;
    const obtain = async () => {
      await new Promise((r) => setTimeout(r, 50));
      return token(++n, Date.now());
    };
    const a = new TokenManager({ store: shared, key: "k", now: Date.now, obtain });
    const b = new TokenManager({ store: shared, key: "k", now: Date.now, obtain });
    const [ha, hb] = await Promise.all([a.header(), b.header()]);
    expect(ha).toBe("Bearer at-1");
    expect(hb).toBe("Bearer at-1");
    expect(n).toBe(1);
  });

  it("a waiter gives up with a typed, retryable error when no token appears within the lease", async () => {
    const shared = new InMemoryTokenStore();
    await shared.lock("k", 10_000); // a crashed process holds the lock
    const m = new TokenManager({
      store: shared,
      key: "k",
      now: Date.now,
      leaseMs: 100,
      obtain: async () => token(1, Date.now()),
    });
    const err = await m.get().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "refresh_lock_timeout", retryable: true });
  });

  it("a store failure is a typed error with the cause; the token is kept in memory and saved later", async () => {
    const inner = new InMemoryTokenStore();
    let fail = true;
    const store: TokenStore = {
      get: (k) => inner.get(k),
      set: async (k, v) => {
        if (fail) throw Object.assign(new Error("ECONNREFUSED"), { retryable: true });
        return inner.set(k, v);
      },
      delete: (k) => inner.delete(k),
    };
    let n = 0;
    const m = new TokenManager({ store, key: "k", now: Date.now, obtain: async () => token(++n, Date.now()) });
    const err = await m.get().catch((e: unknown) => e);
    expect(SmartAuthError.is(err)).toBe(true);
    expect(err).toMatchObject({ code: "token_store_error", retryable: true });
    expect((err as Error).cause).toBeInstanceOf(Error);
    fail = false;
    expect(await m.header()).toBe("Bearer at-1");
    expect((await inner.get("k"))?.access_token).toBe("at-1");
    expect(n).toBe(1);
  });

  it("storeRequired false (Backend Services): a store outage costs sharing, not service (SECURITY.md F8)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    onTestFinished(() => void vi.useRealTimers());
    const inner = new InMemoryTokenStore();
    let down = true;
    const guarded =
      <A extends unknown[], T>(f: (...args: A) => Promise<T>) =>
      async (...args: A) => {
        if (down) throw Object.assign(new Error("ECONNREFUSED"), { retryable: true });
        return f(...args);
      };
    const store: TokenStore = {
      get: guarded((k: string) => inner.get(k)),
      set: guarded((k: string, v: StoredToken) => inner.set(k, v)),
      delete: guarded((k: string) => inner.delete(k)),
      lock: guarded((k: string, ms: number) => inner.lock(k, ms)),
    };
    const errors: SmartAuthError[] = [];
    let n = 0;
    const m = new TokenManager({
      store,
      key: "k",
      now: Date.now,
      obtain: async () => token(++n, Date.now()),
      storeRequired: false,
      onStoreError: (e) => {
        errors.push(e);
        throw new Error("a throwing observer");
      },
    });
    expect(await m.header()).toBe("Bearer at-1");
    expect(m.peek()).toBe("Bearer at-1"); // served from memory though it could not be saved
    expect(n).toBe(1);
    expect(errors.map((e) => [e.code, e.retryable, e.message])).toEqual([
      ["token_store_error", true, 'Token store get failed for key "k"'],
      ["token_store_error", true, 'Token store set failed for key "k"'],
    ]);
    expect(JSON.stringify(errors) + errors.map((e) => e.message).join()).not.toContain("at-1");

    // the save is retried in the background with backoff (0.5 s, 1 s, ...) until the store takes it
    await vi.advanceTimersByTimeAsync(500);
    expect(errors.map((e) => e.message)).toEqual([
      'Token store get failed for key "k"',
      'Token store set failed for key "k"',
      'Token store set failed for key "k"',
    ]);
    down = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await inner.get("k"))?.access_token).toBe("at-1");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(errors).toHaveLength(3);
    expect(n).toBe(1);

    m.invalidate(); // the next renewal goes through the store again
    expect(await m.header()).toBe("Bearer at-2");
    expect((await inner.get("k"))?.access_token).toBe("at-2");
    expect(errors).toHaveLength(3);
  });

  it("storeRequired false: a store fault that is not an outage (not retryable, e.g. a tampered value) is still an error", async () => {
    const errors: unknown[] = [];
    let sets = 0;
    const store: TokenStore = {
      get: async () => undefined,
      set: async () => {
        if (++sets === 1) throw Object.assign(new Error("envelope does not decrypt"), { retryable: false });
      },
      delete: async () => undefined,
    };
    const m = new TokenManager({
      store,
      key: "k",
      now: Date.now,
      obtain: async () => token(1, Date.now()),
      storeRequired: false,
      onStoreError: (e) => errors.push(e),
    });
    await expect(m.header()).rejects.toMatchObject({ code: "token_store_error", retryable: false });
    expect(m.peek()).toBeUndefined(); // not served until saved, as with a required store
    expect(errors).toEqual([]);
    expect(await m.header()).toBe("Bearer at-1"); // saved on the next call
    expect(sets).toBe(2);
  });

  it("storeRequired (default): a token obtained while the store is down is not served until saved", async () => {
    const store: TokenStore = {
      get: async () => undefined,
      set: async () => {
        throw new Error("down");
      },
      delete: async () => undefined,
    };
    const m = new TokenManager({ store, key: "k", now: Date.now, obtain: async () => token(1, Date.now()) });
    await expect(m.header()).rejects.toMatchObject({ code: "token_store_error" });
    expect(m.peek()).toBeUndefined();
  });

  it("a manager the app dropped (a finished session) is collected with its token before the renewal time: its timer holds it weakly", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const start = async () => {
      const m = new TokenManager({
        store: new InMemoryTokenStore(),
        key: "k",
        now: Date.now,
        obtain: async () => token(1, Date.now(), 3600),
      });
      expect(await m.header()).toBe("Bearer at-1"); // arms the renewal timer (about an hour ahead)
      return new WeakRef(m);
    };
    const ref = await start();
    for (let i = 0; i < 10 && ref.deref(); i++) {
      await new Promise((r) => setTimeout(r, 10));
      gc();
    }
    expect(ref.deref()).toBeUndefined();
  });

  it("canObtain false: reauthorization_required", async () => {
    const m = new TokenManager({
      store: new InMemoryTokenStore(),
      key: "k",
      now: Date.now,
      obtain: vi.fn(),
      canObtain: () => false,
    });
    await expect(m.get()).rejects.toMatchObject({ code: "reauthorization_required" });
  });
});
