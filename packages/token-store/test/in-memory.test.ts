import { describe, expect, it } from "vitest";
import { InMemoryTokenStore, hasLock, isStale, toStoredToken } from "../src/index.js";
import { runTokenStoreContract } from "../src/testing.js";

runTokenStoreContract({
  name: "InMemoryTokenStore",
  test: { describe, it },
  createStore: () => new InMemoryTokenStore(),
  requireLock: true,
  // no raw.writeToken: nothing but set() (checked) writes into the Map, so no malformed value can be read back
  generatedRuns: Number(process.env.FUZZ_RUNS ?? 300),
});

describe("toStoredToken (checklist E2)", () => {
  const base = { access_token: "a", token_type: "Bearer" };
  it("computes expires_at from the receipt time", () => {
    expect(toStoredToken({ ...base, expires_in: 300 }, 1_000).expires_at).toBe(301_000);
  });
  it("coerces a numeric string expires_in", () => {
    const t = toStoredToken({ ...base, expires_in: "3600" as unknown as number }, 0);
    expect(t.expires_at).toBe(3_600_000);
    expect(t.expires_in).toBe(3600);
  });
  it("treats 0 and negative as expired now", () => {
    expect(toStoredToken({ ...base, expires_in: 0 }, 5).expires_at).toBe(5);
    expect(toStoredToken({ ...base, expires_in: -10 }, 5).expires_at).toBe(5);
  });
  it("leaves expiry unknown, never NaN, when missing or unreadable", () => {
    for (const expires_in of [undefined, "soon", Number.NaN, null, {}]) {
      const t = toStoredToken({ ...base, expires_in: expires_in as unknown as number }, 5);
      expect(t.expires_at).toBeUndefined();
      expect("expires_in" in t).toBe(false);
    }
  });
});

describe("isStale", () => {
  it("honours the margin and treats unknown expiry as fresh", () => {
    const t = { access_token: "a", token_type: "Bearer", expires_at: 10_000 };
    expect(isStale(t, 9_000)).toBe(false);
    expect(isStale(t, 9_000, 1_000)).toBe(true);
    expect(isStale({ access_token: "a", token_type: "Bearer" }, Number.MAX_SAFE_INTEGER)).toBe(false);
  });
});

describe("InMemoryTokenStore", () => {
  it("offers the lock capability", () => {
    expect(hasLock(new InMemoryTokenStore())).toBe(true);
  });
  it("lease expiry follows the injected clock", async () => {
    let now = 0;
    const store = new InMemoryTokenStore({ now: () => now });
    expect(await store.lock("k", 100)).toBeDefined();
    expect(await store.lock("k", 100)).toBeUndefined();
    now = 100;
    expect(await store.lock("k", 100)).toBeDefined();
  });
  it("fencing follows the injected clock: extend() moves the end, a lapsed lease neither extends nor writes (issue 14)", async () => {
    let now = 0;
    const store = new InMemoryTokenStore({ now: () => now });
    const lock = (await store.lock("k", 100))!;
    now = 99;
    expect(await lock.extend(100)).toBe(true); // ends at 199 now
    now = 150;
    expect(await store.lock("k", 100)).toBeUndefined();
    expect(await lock.set({ access_token: "a", token_type: "Bearer" })).toBe(true);
    now = 199;
    expect(await lock.extend(100)).toBe(false);
    expect(await lock.set({ access_token: "late", token_type: "Bearer" })).toBe(false);
    expect((await store.get("k"))?.access_token).toBe("a");
  });
});
