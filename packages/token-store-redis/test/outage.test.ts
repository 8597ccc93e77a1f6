import { sampleToken } from "@fhir-dsl/token-store/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisTokenStore, TokenStoreError, TokenStoreErrorCode } from "../src/index.js";
import { startPrivateRedis, type PrivateRedis } from "@fhir-dsl/test-redis";

// Always a private redis-server: this file stops and restarts it, which must never hit the shared one.
let redis: PrivateRedis;
let client: Redis;
let store: RedisTokenStore;
const TIMEOUT_MS = 300;

beforeAll(async () => {
  redis = await startPrivateRedis();
  client = new Redis(redis.url);
  client.on("error", () => {});
  store = new RedisTokenStore(client, { keyPrefix: "outage:", commandTimeoutMs: TIMEOUT_MS });
});

afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

async function typedFailure(promise: Promise<unknown>): Promise<TokenStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(TokenStoreError.is(error)).toBe(true);
  const e = error as TokenStoreError;
  expect(e.code).toBe(TokenStoreErrorCode.Unavailable);
  expect(e.retryable).toBe(true);
  return e;
}

async function eventually<T>(attempt: () => Promise<T>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe("Redis restarted mid-run (private redis-server)", () => {
  it("fails typed and retryable within the timeout while down, and the same store recovers", async () => {
    const token = sampleToken();
    await store.set("grant", token);
    expect((await store.get("grant"))?.access_token).toBe(token.access_token);

    await redis.stop();
    for (const call of [
      () => store.get("grant"),
      () => store.set("grant", token),
      () => store.delete("grant"),
      () => store.lock("grant", 1_000),
    ]) {
      const started = Date.now();
      const error = await typedFailure(call());
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 700);
      expect(error.key).toBe("grant");
      expect(JSON.stringify(error)).not.toContain(token.access_token);
    }

    await redis.start();
    // No persistence: the value is gone after the restart, but the store answers again.
    expect(await eventually(() => store.get("grant"), 10_000)).toBeUndefined();
    await store.set("grant", token);
    expect((await store.get("grant"))?.refresh_token).toBe(token.refresh_token);
    const lock = await store.lock("grant", 1_000);
    expect(lock).toBeDefined();
    await lock?.release();
  }, 30_000);

  it("a steady load across a restart sees only typed retryable errors, then succeeds again", async () => {
    const errors: unknown[] = [];
    let successesAfterRestart = 0;
    let restarted = false;
    let running = true;
    const worker = (async () => {
      let i = 0;
      while (running) {
        try {
          await store.set(`load:${i % 5}`, sampleToken({ access_token: `at-${i}` }));
          await store.get(`load:${i % 5}`);
          if (restarted) successesAfterRestart++;
        } catch (error) {
          errors.push(error);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        i++;
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 200));
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 800));
    await redis.start();
    restarted = true;
    const deadline = Date.now() + 10_000;
    while (successesAfterRestart < 20 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    running = false;
    await worker;

    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(TokenStoreError.is(error)).toBe(true);
      expect((error as TokenStoreError).code).toBe(TokenStoreErrorCode.Unavailable);
      expect((error as TokenStoreError).retryable).toBe(true);
    }
    expect(successesAfterRestart).toBeGreaterThanOrEqual(20);
  }, 30_000);
});
