// Issue 17 / SECURITY.md F20: the durability option on a single redis-server (no replica), so every WAIT
// falls short; the cluster and failover behaviour is in cluster.test.ts.
import { sampleToken } from "@fhir-dsl/token-store/testing";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_DURABILITY_TIMEOUT_MS, RedisTokenStore, TokenStoreError, TokenStoreErrorCode } from "../src/index.js";
import { randomPrefix, sharedClient } from "./helpers.js";

const client = sharedClient();
afterAll(async () => {
  await client.quit();
});

describe("durability option (WAIT for replicas), on a Redis without replicas", () => {
  it("misuse is a TypeError saying what to pass; replicas 0 means off", () => {
    for (const durability of [
      null,
      1,
      "1",
      {},
      { replicas: -1 },
      { replicas: 1.5 },
      { replicas: "1" },
      { replicas: 1, timeoutMs: 0 },
      { replicas: 1, timeoutMs: -5 },
      { replicas: 1, timeoutMs: 2.5 },
      { replicas: 1, timeoutMs: Number.POSITIVE_INFINITY },
    ]) {
      expect(() => new RedisTokenStore(client, { durability } as never)).toThrow(/durability must be \{ replicas/);
    }
    expect(DEFAULT_DURABILITY_TIMEOUT_MS).toBe(1_000);
    expect(() => new RedisTokenStore(client, { durability: { replicas: 0 } })).not.toThrow();
  });

  it("replicas 0: writes succeed as without the option", async () => {
    const store = new RedisTokenStore(client, { keyPrefix: randomPrefix("dur0"), durability: { replicas: 0 } });
    await store.set("k", sampleToken());
    const lock = await store.lock("k", 1_000);
    expect(lock).toBeDefined();
    await lock?.release();
  });

  it("set, delete and lock fail typed and retryable when too few replicas acknowledge, naming the key, never the token", async () => {
    const keyPrefix = randomPrefix("dur1");
    const store = new RedisTokenStore(client, { keyPrefix, durability: { replicas: 1, timeoutMs: 50 } });
    const token = sampleToken({ access_token: "at-durable-secret", refresh_token: "rt-durable-secret" });
    for (const [name, call] of [
      ["set", () => store.set("k", token)],
      ["delete", () => store.delete("k")],
      ["lock", () => store.lock("k", 30_000)],
    ] as const) {
      const started = Date.now();
      const error = await (call() as Promise<unknown>).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(TokenStoreError.is(error), name).toBe(true);
      const e = error as TokenStoreError;
      expect(e.code).toBe(TokenStoreErrorCode.Unavailable);
      expect(e.retryable).toBe(true);
      expect(e.key).toBe("k");
      expect(e.message).toContain("0 of 1 replica(s) acknowledged within 50 ms");
      expect(JSON.stringify(e) + String(e.stack)).not.toMatch(/durable-secret/);
      expect(Date.now() - started).toBeLessThan(1_500);
    }
    // the write is on the primary (other processes read it); a lease no replica has is given back at once
    await store.set("k", token).catch(() => undefined);
    expect(await client.get(store.rawKey("k"))).toContain("at-durable-secret");
    await store.lock("k", 30_000).catch(() => undefined);
    expect(await client.exists(store.lockKey("k"))).toBe(0);
  });

  it("a lease another holder has is not an error: lock() resolves undefined, with or without replicas", async () => {
    const store = new RedisTokenStore(client, {
      keyPrefix: randomPrefix("dur2"),
      durability: { replicas: 1, timeoutMs: 50 },
    });
    await client.set(store.lockKey("x"), "another-holder", "PX", 10_000);
    expect(await store.lock("x", 1_000)).toBeUndefined();
    expect(await client.get(store.lockKey("x"))).toBe("another-holder");
  });
});
