// The count budgets CI enforces (deterministic, independent of machine speed); `pnpm bench` prints the timings.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { measureHotPath } from "../src/hot-path.mjs";
import { measureKmsCalls } from "../src/kms-calls.mjs";
import { measureKmsSigner } from "../src/kms-signer.mjs";
import { benchRedis, benchSandbox, clientKeys, startKms } from "../src/services.mjs";
import { coldStampede } from "../src/stampede.mjs";

let env;
let redis;
beforeAll(async () => {
  const keys = await clientKeys();
  redis = await benchRedis();
  env = { keys, redisUrl: redis.url, kms: await startKms(), bench: await benchSandbox(keys) };
});
afterAll(async () => {
  await env?.bench.close();
  await env?.kms.close();
  await redis?.stop();
});

describe("hot path with a valid cached token (DESIGN invariant; checklist E24)", () => {
  it("E24: 10,000 getAuthorization calls make 0 store calls, 0 Redis commands, 0 KMS calls, 0 token requests", async () => {
    const hot = await measureHotPath({ env, calls: 10_000, rounds: 1, warmupRounds: 0 });
    // the counters see the setup (first token), so a 0 below is a real 0
    expect(hot.setup.redisCommands).toBeGreaterThan(0);
    expect(hot.setup.kmsCalls).toBeGreaterThan(0);
    for (const store of Object.values(hot.setup.storeCalls)) expect(store).toBeGreaterThan(0);
    expect(hot.rows.map((r) => [r.store, r.storeCalls])).toEqual([
      ["InMemoryTokenStore, 16 URLs", 0],
      ["RedisTokenStore, 16 URLs", 0],
      ["KmsEncryptedTokenStore (over memory), 16 URLs", 0],
      ["InMemoryTokenStore, one URL repeated", 0],
    ]);
    expect(hot.redisCommands).toBe(0);
    expect(hot.kmsCalls).toBe(0);
    expect(hot.tokenRequests).toBe(0);
  });
});

describe("cold start stampede (checklist E24, E3 single-flight)", () => {
  it("E24: 1,000 concurrent getAuthorization calls on a cold BackendServicesAuth make 1 token request, 3 times over", async () => {
    for (let run = 0; run < 3; run++) {
      const result = await coldStampede({ env, concurrency: 1_000 });
      expect(result.tokenRequests).toBe(1);
      expect(result.distinctHeaders).toBe(1);
    }
  });
});

describe("KmsEncryptedTokenStore with the default caches", () => {
  it("at most 1 Decrypt per 1,000 reads (one key, and 1,000 keys) plus 1 key lookup per new instance (F12), and 1 KMS call per 1,000 writes", async () => {
    const kms = await measureKmsCalls({ kms: env.kms, ops: 1_000 });
    // a new instance configured by alias resolves it once (GenerateDataKey of the write key) before trusting a stored key ARN
    expect(kms.readsSameKey.total).toBeLessThanOrEqual(2);
    expect(kms.readsManyKeys.total).toBeLessThanOrEqual(2);
    expect(kms.readsSameKey.Decrypt).toBeLessThanOrEqual(1);
    expect(kms.readsManyKeys.Decrypt).toBeLessThanOrEqual(1);
    expect(kms.writes.total).toBeLessThanOrEqual(1);
    expect(kms.writes.GenerateDataKey).toBe(1);
  });
});

describe("token requests signed by AWS KMS (issue 18)", () => {
  it("one KMS Sign per token request, cold start after cold start", async () => {
    const ks = await measureKmsSigner({ env, repeats: 3, warmup: 0 });
    expect(ks.tokenRequests).toBe(6);
    expect(ks.signCalls).toBe(3);
  });
});
