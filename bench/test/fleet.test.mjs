// Cross-process stampede budget: a fleet sharing a RedisTokenStore makes one token request per expiry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { measureFleet } from "../src/fleet.mjs";
import { benchRedis, clientKeys } from "../src/services.mjs";

let redis;
let keys;
beforeAll(async () => {
  [redis, keys] = await Promise.all([benchRedis(), clientKeys()]);
});
afterAll(() => redis?.stop());

describe("cross-process stampede over RedisTokenStore (checklist E3 single-flight, E24)", () => {
  it("E24: 8 processes, 2 s tokens: 1 token request at cold start and 1 per expiry, no errors", async () => {
    const fleet = await measureFleet({ keys, redisUrl: redis.url, processes: 8, lifetimeSeconds: 2, expiries: 2 });
    expect(fleet.coldStart).toBe(1);
    expect(fleet.perExpiry.length).toBeGreaterThanOrEqual(2); // a slow machine may see one renewal more
    expect(fleet.perExpiry.every((requests) => requests === 1)).toBe(true);
    expect(fleet.tokenRequests).toBe(fleet.bursts.length);
    expect(fleet.distinctTokens).toBe(fleet.tokenRequests);
    expect(fleet.errors).toBe(0);
  }, 45_000);
});
