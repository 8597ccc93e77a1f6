import fc from "fast-check";
import { Cluster } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisTokenStore } from "../src/index.js";

/** The hash tag Redis Cluster hashes, per cluster-spec#hash-tags; undefined when the whole key is hashed. */
function hashTag(redisKey: string): string | undefined {
  const open = redisKey.indexOf("{");
  if (open === -1) return undefined;
  const close = redisKey.indexOf("}", open + 1);
  if (close === -1 || close === open + 1) return undefined;
  return redisKey.slice(open + 1, close);
}

/** CRC16/XMODEM mod 16384: the Cluster slot of a key (cluster-spec#key-distribution-model). */
function slot(redisKey: string): number {
  const hashed = hashTag(redisKey) ?? redisKey;
  let crc = 0;
  for (const byte of new TextEncoder().encode(hashed)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

// A real ioredis Cluster that never connects: key shapes are unit-level, no cluster needed.
const cluster = new Cluster([{ host: "127.0.0.1", port: 1 }], { lazyConnect: true });
afterAll(() => cluster.disconnect());
const store = new RedisTokenStore(cluster, { keyPrefix: "app:tok:" });
const usableKey = fc.string({ minLength: 1, unit: "grapheme" }).filter((k) => !k.startsWith("}"));

describe("Cluster hash tags", () => {
  it("accepts an ioredis Cluster without connecting it", () => {
    expect(cluster.isCluster).toBe(true);
    expect(cluster.status).toBe("wait");
  });

  it("the value key and the lock key share one {…} tag, hence one slot (known vectors)", () => {
    expect(slot("123456789")).toBe(0x31c3 % 16384); // CRC16/XMODEM check value
    for (const key of ["backend:client-1", "smart:user:42", "a{b}c", "x}y", "{", "é🔑"]) {
      const value = store.rawKey(key);
      const lock = store.lockKey(key);
      expect(hashTag(value)).toBeDefined();
      expect(hashTag(value)).toBe(hashTag(lock));
      expect(slot(value)).toBe(slot(lock));
    }
    expect(store.rawKey("backend:client-1")).toBe("app:tok:{backend:client-1}");
    expect(store.lockKey("backend:client-1")).toBe("app:tok:{backend:client-1}:lock");
  });

  it("property: for any usable key, value and lock share a non-empty tag and slot", () => {
    fc.assert(
      fc.property(usableKey, (key) => {
        const tag = hashTag(store.rawKey(key));
        return (
          tag !== undefined &&
          tag === hashTag(store.lockKey(key)) &&
          slot(store.rawKey(key)) === slot(store.lockKey(key))
        );
      }),
    );
  });

  it("property: distinct keys never share a Redis key, and no value key is ever a lock key", () => {
    fc.assert(
      fc.property(usableKey, usableKey, (a, b) => {
        if (store.lockKey(a) === store.rawKey(b)) return false;
        return a === b || (store.rawKey(a) !== store.rawKey(b) && store.lockKey(a) !== store.lockKey(b));
      }),
    );
  });
});
