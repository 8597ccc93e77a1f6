// Issue 17: RedisTokenStore on a Sentinel-managed primary (one primary, two replicas, three sentinels: real
// redis-server processes on 127.0.0.1, started once for this file), through a failover, with and without the
// durability option (SECURITY.md F20).
import { runTokenStoreContract, sampleToken } from "@fhir-dsl/token-store/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisTokenStore, TokenStoreError, type RedisTokenStoreOptions } from "../src/index.js";
import { randomPrefix } from "./helpers.js";
import { rawRedisReader, startSentinelGroup, type SentinelGroupForTests } from "@fhir-dsl/test-redis";

let group: SentinelGroupForTests;
let client: Redis;

beforeAll(async () => {
  group = await startSentinelGroup({ replicas: 2, sentinels: 3 });
  client = sentinelClient();
}, 60_000);

afterAll(async () => {
  client?.disconnect();
  await group?.stop();
});

function sentinelClient(): Redis {
  const c = new Redis({ sentinels: group.sentinelAddresses, name: group.name, role: "master" });
  c.on("error", () => {}); // a killed primary is expected; failures surface as TokenStoreError
  return c;
}

function node(port: number): Redis {
  const r = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 1 });
  r.on("error", () => {});
  return r;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(attempt: () => Promise<T>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

const contractPrefix = randomPrefix("sentinel-contract");
runTokenStoreContract({
  name: "RedisTokenStore on a Sentinel-managed primary (issue 17)",
  test: { describe, it, beforeAll, afterAll },
  createStore: () => new RedisTokenStore(client, { keyPrefix: contractPrefix, durability: { replicas: 2 } }),
  requireLock: true,
  raw: rawRedisReader(
    () => client,
    (key) => `${contractPrefix}{${key}}`,
    { plaintext: true },
  ),
});

/**
 * Write generation 1 (acknowledged by every replica), cut every replica off the replication stream
 * (`CLIENT PAUSE WRITE` on a replica pauses its primary link too), write generation 2, then kill the primary
 * (SIGKILL), resume the replicas and let the sentinels promote one. Returns what `set` of generation 2 did and
 * the generation the new primary holds.
 */
async function rotationThroughFailover(
  options: RedisTokenStoreOptions,
): Promise<{ secondSet: unknown; survived: string | undefined }> {
  const store = new RedisTokenStore(client, {
    keyPrefix: randomPrefix("sentinel-failover"),
    commandTimeoutMs: 1_000,
    ...options,
  });
  // on both replicas (after an earlier failover, once the restarted node has synced)
  const both = new RedisTokenStore(client, { keyPrefix: store.keyPrefix, durability: { replicas: 2 } });
  await eventually(() => both.set("user", sampleToken({ refresh_token: "rt-generation-1" })), 20_000);
  const primary = await group.primaryPort();
  const replicas = group.nodes.filter((n) => n.port !== primary && n.running).map((n) => node(n.port));
  try {
    for (const r of replicas) await r.call("CLIENT", "PAUSE", "30000", "WRITE");
    const secondSet = await store.set("user", sampleToken({ refresh_token: "rt-generation-2" })).then(
      () => "acknowledged",
      (e: unknown) => e,
    );
    await group.node(primary).kill();
    for (const r of replicas) await r.call("CLIENT", "UNPAUSE");
    await group.waitPrimaryOtherThan(primary);
    const survived = await eventually(async () => (await store.get("user"))?.refresh_token, 15_000);
    await group.node(primary).start(); // the sentinels turn it into a replica of the new primary
    return { secondSet, survived };
  } finally {
    for (const r of replicas) {
      await r.call("CLIENT", "UNPAUSE").catch(() => undefined);
      r.disconnect();
    }
  }
}

describe("RedisTokenStore on a Sentinel-managed primary (issue 17)", () => {
  it("without durability: an acknowledged rotated refresh token is lost in a failover (documented loss, F20)", async () => {
    const { secondSet, survived } = await rotationThroughFailover({});
    expect(secondSet).toBe("acknowledged"); // the caller was told generation 2 is stored...
    expect(survived).toBe("rt-generation-1"); // ...and after the failover the store hands out generation 1 again
  }, 60_000);

  it("with durability { replicas: 1 }: the unreplicated write fails typed and retryable, so nothing acknowledged is lost (F20)", async () => {
    const { secondSet, survived } = await rotationThroughFailover({ durability: { replicas: 1, timeoutMs: 300 } });
    expect(TokenStoreError.is(secondSet)).toBe(true);
    expect((secondSet as TokenStoreError).retryable).toBe(true);
    // the caller still holds generation 2 and saves it again: once a replica is back, it is durable
    expect(survived).toBe("rt-generation-1");
    const store = new RedisTokenStore(client, {
      keyPrefix: randomPrefix("sentinel-after"),
      durability: { replicas: 1, timeoutMs: 1_000 },
    });
    await eventually(() => store.set("user", sampleToken({ refresh_token: "rt-generation-2" })), 20_000);
    expect((await store.get("user"))?.refresh_token).toBe("rt-generation-2");
  }, 60_000);
});
