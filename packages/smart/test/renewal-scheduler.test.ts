/**
 * Renewal without a timer per token (issue 22): one process-wide timer wakes each manager at its renewAt,
 * so the hot path reads the clock again and renews ahead of expiry; dropped managers are still collected.
 */
import { InMemoryTokenStore, type StoredToken } from "@fhir-dsl/token-store";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RenewalScheduler } from "../src/renewal-scheduler.js";
import { TokenManager } from "../src/token-manager.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const token = (n: number, now: number, lifetimeS: number): StoredToken => ({
  access_token: `at-${n}`,
  token_type: "Bearer",
  expires_in: lifetimeS,
  expires_at: now + lifetimeS * 1000,
});

/** Counts timers created by setTimeout and not yet fired or cleared, while `run` runs. */
async function pendingTimersDuring<T>(run: () => Promise<T>): Promise<{ result: T; pending: number }> {
  const live = new Set<unknown>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  globalThis.setTimeout = ((fn: () => void, ms?: number, ...args: unknown[]) => {
    const t = realSet(() => (live.delete(t), fn(...(args as []))), ms);
    live.add(t);
    return t;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((t: ReturnType<typeof setTimeout> | undefined) => (
    live.delete(t), realClear(t)
  )) as typeof clearTimeout;
  try {
    const result = await run();
    return { result, pending: live.size };
  } finally {
    globalThis.setTimeout = realSet;
    globalThis.clearTimeout = realClear;
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe("renewal scheduler: one timer for the process (issue 22)", () => {
  it("1,000 managers holding one-hour tokens leave at most 1 pending timer, not 1,000", async () => {
    const { result: managers, pending } = await pendingTimersDuring(async () => {
      const ms: TokenManager[] = [];
      for (let i = 0; i < 1_000; i++) {
        const m = new TokenManager({
          store: new InMemoryTokenStore(),
          key: `k${i}`,
          now: Date.now,
          obtain: async () => token(i, Date.now(), 3600 + i),
        });
        await m.header();
        ms.push(m);
      }
      return ms;
    });
    expect(managers).toHaveLength(1_000);
    expect(pending).toBeLessThanOrEqual(1);
    expect(TokenManager.renewalStats.timers).toBe(1);
  });

  it("a token replaced by a later one keeps one entry per manager (no growth with renewals)", async () => {
    const before = TokenManager.renewalStats.entries;
    const m = new TokenManager({
      store: new InMemoryTokenStore(),
      key: "k",
      now: Date.now,
      obtain: async () => token(0, Date.now(), 3600),
    });
    for (let i = 0; i < 100; i++) m.remember(token(i, Date.now() + i * 1000, 3600));
    expect(TokenManager.renewalStats.entries - before).toBe(1);
  });

  it("still refreshing ahead of expiry: at renewAt the next peek reads the clock again and the token renews", async () => {
    let n = 0;
    const m = new TokenManager({
      store: new InMemoryTokenStore(),
      key: "k",
      now: Date.now,
      obtain: async () => token(++n, Date.now(), 0.4),
    });
    expect(await m.header()).toBe("Bearer at-1"); // renewAt = expires_at - 100 ms (a quarter of 0.4 s)
    expect(m.peek()).toBe("Bearer at-1"); // the next 63 peeks skip the clock
    await new Promise((r) => setTimeout(r, 340));
    expect(m.peek()).toBeUndefined(); // woken by the shared timer, before expiry
    expect(await m.header()).toBe("Bearer at-2");
  });

  it("managers the app dropped are collected before their renewal time: the scheduler holds them weakly", async () => {
    const refs = await (async () => {
      const out: WeakRef<TokenManager>[] = [];
      for (let i = 0; i < 200; i++) {
        const m = new TokenManager({
          store: new InMemoryTokenStore(),
          key: `d${i}`,
          now: Date.now,
          obtain: async () => token(i, Date.now(), 3600),
        });
        await m.header();
        out.push(new WeakRef(m));
      }
      return out;
    })();
    for (let i = 0; i < 20 && refs.some((r) => r.deref()); i++) {
      await new Promise((r) => setTimeout(r, 5));
      gc();
    }
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
  });

  it("wakes targets in time order, once each, with one timer (generated times)", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const woken: number[] = [];
    const s = new RenewalScheduler<{ at: number }>((t, now) => (woken.push(t.at), now < t.at ? t.at : undefined));
    const targets = Array.from({ length: 500 }, (_, i) => ({ at: 1_000_000 + ((i * 7919) % 997) * 10 + 1 }));
    for (const t of targets) s.schedule(new WeakRef(t), t.at);
    expect(s.stats).toEqual({ entries: 500, timers: 1 });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(woken).toEqual(targets.map((t) => t.at).sort((a, b) => a - b));
    expect(s.stats).toEqual({ entries: 0, timers: 0 });
    expect(targets).toHaveLength(500);
  });

  it("an entry due before its target's new time comes back at the new time", async () => {
    vi.useFakeTimers({ now: 0 });
    const target = { at: 100 };
    const seen: number[] = [];
    const s = new RenewalScheduler<typeof target>((t, now) => (seen.push(now), now < t.at ? t.at : undefined));
    s.schedule(new WeakRef(target), 100);
    target.at = 250;
    await vi.advanceTimersByTimeAsync(300);
    expect(seen).toEqual([100, 250]);
    expect(s.stats.timers).toBe(0);
  });
});
