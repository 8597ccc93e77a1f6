import { inspect } from "node:util";
import { sampleToken } from "@fhir-dsl/token-store/testing";
import type { StoredToken, TokenLock, TokenStore } from "@fhir-dsl/token-store";
import type { Cluster, Redis } from "ioredis";
import { afterAll, describe, expect, expectTypeOf, it } from "vitest";
import {
  DEFAULT_KEY_PREFIX,
  FORMAT_VERSION,
  RedisTokenStore,
  TokenStoreError,
  TokenStoreErrorCode,
  type RedisTokenStoreOptions,
} from "../src/index.js";
import { randomPrefix, sharedClient } from "./helpers.js";

const client = sharedClient();
const other = sharedClient();
afterAll(async () => {
  await Promise.all([client.quit(), other.quit()]);
});

const DAY_MS = 24 * 60 * 60 * 1000;
const newStore = (options: RedisTokenStoreOptions = {}) =>
  new RedisTokenStore(client, { keyPrefix: randomPrefix("store"), ...options });

async function caught(promise: Promise<unknown>): Promise<TokenStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(TokenStoreError.is(error)).toBe(true);
  return error as TokenStoreError;
}

describe("public types", () => {
  it("is a TokenStore with the lock capability, built from a Redis or a Cluster", () => {
    expectTypeOf<RedisTokenStore>().toMatchTypeOf<Required<TokenStore>>();
    expectTypeOf<ConstructorParameters<typeof RedisTokenStore>[0]>().toEqualTypeOf<Redis | Cluster>();
    expectTypeOf<RedisTokenStore["get"]>().returns.toEqualTypeOf<Promise<StoredToken | undefined>>();
    expectTypeOf<RedisTokenStore["lock"]>().returns.toEqualTypeOf<Promise<TokenLock | undefined>>();
    expectTypeOf<RedisTokenStore["rawKey"]>().returns.toEqualTypeOf<string>();
    expect(new RedisTokenStore(client).lock).toBeTypeOf("function");
  });
});

describe("construction", () => {
  it("throws TypeError for anything that is not an ioredis client", () => {
    for (const bad of [undefined, null, "redis://127.0.0.1:6379", {}, { get() {}, set() {} }, new Map()]) {
      expect(() => new RedisTokenStore(bad as never)).toThrow(TypeError);
    }
    expect(() => new RedisTokenStore(undefined as never)).toThrow(/pass an ioredis client/);
  });

  it("throws TypeError for invalid options, saying what to pass", () => {
    const bad: unknown[] = [
      "nope",
      { keyPrefix: 1 },
      { keyPrefix: "a{b}:" },
      { refreshTokenTtlSeconds: 0 },
      { refreshTokenTtlSeconds: Number.NaN },
      { graceSeconds: -1 },
      { commandTimeoutMs: 0 },
      { commandTimeoutMs: Number.POSITIVE_INFINITY },
    ];
    for (const options of bad) expect(() => new RedisTokenStore(client, options as never)).toThrow(TypeError);
    expect(() => new RedisTokenStore(client, { graceSeconds: -1 })).toThrow(
      /graceSeconds must be a finite number >= 0/,
    );
  });

  it("defaults the prefix to smart:token: and maps a key into a hash tag under it", () => {
    const store = new RedisTokenStore(client);
    expect(store.keyPrefix).toBe(DEFAULT_KEY_PREFIX);
    expect(store.keyPrefix).toBe("smart:token:");
    expect(store.rawKey("backend:abc")).toBe("smart:token:{backend:abc}");
    expect(store.lockKey("backend:abc")).toBe("smart:token:{backend:abc}:lock");
  });

  it("rejects keys that are empty, not strings, or start with } (TypeError)", async () => {
    const store = newStore();
    for (const key of ["", "}x", 42, undefined]) {
      expect(() => store.rawKey(key as string)).toThrow(TypeError);
      await expect(store.get(key as string)).rejects.toThrow(TypeError);
      await expect(store.set(key as string, sampleToken())).rejects.toThrow(TypeError);
      await expect(store.delete(key as string)).rejects.toThrow(TypeError);
      await expect(store.lock(key as string, 1000)).rejects.toThrow(TypeError);
    }
  });
});

describe("what lands in Redis", () => {
  it("writes under the prefix only, as a versioned JSON envelope", async () => {
    const store = newStore();
    const token = sampleToken();
    await store.set("user:1", token);
    expect(await client.keys(`${store.keyPrefix}*`)).toEqual([store.rawKey("user:1")]);
    const raw = JSON.parse((await client.get(store.rawKey("user:1"))) as string);
    expect(raw).toEqual({ v: FORMAT_VERSION, token: JSON.parse(JSON.stringify(token)) });
    expect(raw.v).toBe(1);
  });

  it("two stores with different prefixes on one Redis do not see each other", async () => {
    const a = newStore();
    const b = newStore();
    await a.set("same", sampleToken({ access_token: "a" }));
    expect(await b.get("same")).toBeUndefined();
  });

  it("two clients (two processes) with one prefix share values", async () => {
    const prefix = randomPrefix("fleet");
    const a = new RedisTokenStore(client, { keyPrefix: prefix });
    const b = new RedisTokenStore(other, { keyPrefix: prefix });
    await a.set("grant", sampleToken({ access_token: "shared" }));
    expect((await b.get("grant"))?.access_token).toBe("shared");
    await b.delete("grant");
    expect(await a.get("grant")).toBeUndefined();
  });
});

describe("TTL", () => {
  const pttl = (store: RedisTokenStore, key: string) => client.pttl(store.rawKey(key));

  it("a token with a refresh_token is kept for refreshTokenTtlSeconds (default 30 days)", async () => {
    const store = newStore();
    await store.set("k", sampleToken({ expires_at: Date.now() + 5_000 }));
    const ttl = await pttl(store, "k");
    expect(ttl).toBeGreaterThan(30 * DAY_MS - 10_000);
    expect(ttl).toBeLessThanOrEqual(30 * DAY_MS);
  });

  it("a refreshable token whose access token outlives the refresh TTL is kept until expires_at + grace", async () => {
    const store = newStore({ refreshTokenTtlSeconds: 60, graceSeconds: 10 });
    await store.set("k", sampleToken({ expires_at: Date.now() + 3_600_000 }));
    const ttl = await pttl(store, "k");
    expect(ttl).toBeGreaterThan(3_600_000 + 10_000 - 5_000);
    expect(ttl).toBeLessThanOrEqual(3_610_000);
  });

  it("a token without refresh_token is kept until expires_at + graceSeconds", async () => {
    const store = newStore({ graceSeconds: 30 });
    await store.set("k", sampleToken({ refresh_token: undefined, expires_at: Date.now() + 300_000 }));
    const ttl = await pttl(store, "k");
    expect(ttl).toBeGreaterThan(330_000 - 5_000);
    expect(ttl).toBeLessThanOrEqual(330_000);
  });

  it("no expiry known and no refresh token (checklist E2): refreshTokenTtlSeconds is the ceiling", async () => {
    const store = newStore({ refreshTokenTtlSeconds: 3600 });
    await store.set("k", { access_token: "at", token_type: "Bearer" });
    const ttl = await pttl(store, "k");
    expect(ttl).toBeGreaterThan(3_600_000 - 5_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
  });

  it("an already expired, non-refreshable token is still written with a short positive TTL", async () => {
    const store = newStore({ graceSeconds: 0 });
    await store.set("k", sampleToken({ refresh_token: undefined, expires_at: Date.now() - 60_000 }));
    const ttl = await pttl(store, "k");
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1_000);
    expect((await store.get("k"))?.access_token).toBeDefined();
  });

  it("an empty refresh_token counts as none", async () => {
    const store = newStore({ graceSeconds: 0 });
    await store.set("k", sampleToken({ refresh_token: "", expires_at: Date.now() + 10_000 }));
    expect(await pttl(store, "k")).toBeLessThanOrEqual(10_000);
  });
});

describe("corrupt and foreign values (typed error naming the key, never the value)", () => {
  const secret = "sekrit-access-token-value";
  const cases: [string, string][] = [
    ["not JSON", `at=${secret}`],
    ["no format version", JSON.stringify({ token: { access_token: secret, token_type: "Bearer" } })],
    ["unknown format version 2", JSON.stringify({ v: 2, token: { access_token: secret } })],
    ["invalid format version", JSON.stringify({ v: "1", token: { access_token: secret } })],
    ["not a token object", JSON.stringify({ v: 1, access_token: secret })],
    ["access_token must be a non-empty string", JSON.stringify({ v: 1, token: { refresh_token: secret } })],
    [
      "expires_at must be a finite number",
      JSON.stringify({ v: 1, token: { access_token: secret, token_type: "Bearer", expires_at: "soon" } }),
    ],
    ["token_type must be a string", JSON.stringify({ v: 1, token: { access_token: secret } })],
    [
      "patient must be a string",
      JSON.stringify({ v: 1, token: { access_token: secret, token_type: "Bearer", patient: { id: secret } } }),
    ],
    ["no format version", JSON.stringify([secret])],
    ["no format version", "null"],
  ];

  for (const [reason, raw] of cases) {
    it(`${reason}: store_corrupt_value`, async () => {
      const store = newStore();
      await client.set(store.rawKey("bad"), raw);
      const error = await caught(store.get("bad"));
      expect(error.code).toBe(TokenStoreErrorCode.CorruptValue);
      expect(error.code).toBe("store_corrupt_value");
      expect(error.key).toBe("bad");
      expect(error.retryable).toBe(false);
      expect(error.message).toContain('"bad"');
      expect(error.message).toContain(reason);
      for (const text of [error.message, String(error), JSON.stringify(error), inspect(error, { depth: 10 })]) {
        expect(text).not.toContain(secret);
      }
    });
  }

  it("a key holding another Redis type (a hash) is store_corrupt_value, not an outage", async () => {
    const store = newStore();
    await client.hset(store.rawKey("hash"), "access_token", secret);
    const error = await caught(store.get("hash"));
    expect(error.code).toBe(TokenStoreErrorCode.CorruptValue);
    expect(error.key).toBe("hash");
    expect(error.retryable).toBe(false);
    expect(inspect(error, { depth: 10 })).not.toContain(secret);
    // set overwrites whatever type was there, like a fresh write
    await store.set("hash", sampleToken({ access_token: "fresh" }));
    expect((await store.get("hash"))?.access_token).toBe("fresh");
  });
});

describe("invalid values given to set", () => {
  it("store_invalid_value for a value that is not a token, naming the key only", async () => {
    const store = newStore();
    const circular: Record<string, unknown> = { access_token: "at-circular-secret", token_type: "Bearer" };
    circular.self = circular;
    const bad: unknown[] = [
      null,
      "at-string-secret",
      [],
      { token_type: "Bearer" },
      { access_token: 42 },
      { access_token: "at-nan-secret", expires_at: Number.NaN },
      { access_token: "at-str-secret", expires_at: "2030" },
      circular,
      { access_token: "at-bigint-secret", n: 10n },
    ];
    for (const value of bad) {
      const error = await caught(store.set("k", value as never));
      expect(error.code).toBe(TokenStoreErrorCode.InvalidValue);
      expect(error.key).toBe("k");
      expect(`${error.message} ${JSON.stringify(error)}`).not.toMatch(/secret/);
    }
    expect(await client.exists(store.rawKey("k"))).toBe(0);
  });

  it("lock() rejects a leaseMs that is not a positive number (TypeError)", async () => {
    const store = newStore();
    for (const leaseMs of [0, -1, Number.NaN, "1000", undefined]) {
      await expect(store.lock("k", leaseMs as number)).rejects.toThrow(/leaseMs must be a positive number/);
    }
  });
});

describe("lock", () => {
  it("takes the lease with a random owner token and a PX lease on the lock key, beside the value", async () => {
    const store = newStore();
    const lock = await store.lock("grant", 5_000);
    expect(lock).toBeDefined();
    const owner = await client.get(store.lockKey("grant"));
    expect(owner).toMatch(/^[0-9a-f]{32}$/);
    const ttl = await client.pttl(store.lockKey("grant"));
    expect(ttl).toBeGreaterThan(4_000);
    expect(ttl).toBeLessThanOrEqual(5_000);
    expect(await client.exists(store.rawKey("grant"))).toBe(0);
    await lock?.release();
    expect(await client.exists(store.lockKey("grant"))).toBe(0);
  });

  it("only the owner releases: a release after someone else took the key leaves their lock alone", async () => {
    const store = newStore();
    const lock = await store.lock("grant", 5_000);
    // simulate: our lease lapsed and another process took it
    await client.set(store.lockKey("grant"), "someone-else", "PX", 5_000);
    await lock?.release();
    expect(await client.get(store.lockKey("grant"))).toBe("someone-else");
  });

  it("is exclusive across clients (processes), and release twice is harmless", async () => {
    const prefix = randomPrefix("fleet-lock");
    const a = new RedisTokenStore(client, { keyPrefix: prefix });
    const b = new RedisTokenStore(other, { keyPrefix: prefix });
    const held = await a.lock("grant", 5_000);
    expect(held).toBeDefined();
    expect(await b.lock("grant", 5_000)).toBeUndefined();
    await held?.release();
    await held?.release();
    const next = await b.lock("grant", 5_000);
    expect(next).toBeDefined();
    expect(await a.lock("grant", 5_000)).toBeUndefined();
    await next?.release();
  });

  it("fencing (issue 14): extend and the fenced write are one EVAL each, comparing the lock value, on keys of one hash tag", async () => {
    const store = newStore();
    const lock = (await store.lock("grant", 5_000))!;
    const monitor = await other.monitor();
    const seen: string[][] = [];
    const inScripts: string[] = [];
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      if (!args.some((a) => a.startsWith(store.keyPrefix))) return;
      if (source === "lua") inScripts.push(args[0]!.toLowerCase());
      else seen.push(args);
    });
    expect(await lock.extend(8_000)).toBe(true);
    expect(await lock.set(sampleToken({ access_token: "fenced", expires_at: Date.now() + 60_000 }))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 150)); // let MONITOR deliver
    monitor.disconnect();
    expect(seen.map((args) => args[0]?.toLowerCase())).toEqual(["eval", "eval"]);
    expect(inScripts).toEqual(["get", "pexpire", "get", "set"]); // compare, then act, inside each script
    const [extend, fenced] = seen as [string[], string[]];
    expect(extend.slice(2, 4)).toEqual(["1", store.lockKey("grant")]);
    expect(fenced.slice(2, 5)).toEqual(["2", store.lockKey("grant"), store.rawKey("grant")]);
    // one slot: both keys carry the same hash tag
    const tag = (k: string) => k.slice(k.indexOf("{"), k.indexOf("}") + 1);
    expect(tag(store.lockKey("grant"))).toBe(tag(store.rawKey("grant")));
    expect(await client.pttl(store.lockKey("grant"))).toBeGreaterThan(7_000);
    // the value is written with set()'s text and TTL
    expect(JSON.parse((await client.get(store.rawKey("grant")))!)).toMatchObject({
      v: FORMAT_VERSION,
      token: { access_token: "fenced" },
    });
    expect(await client.pttl(store.rawKey("grant"))).toBeGreaterThan(25 * DAY_MS);
    // the lease lost: our lock value replaced by another holder's, nothing is extended or written
    await client.set(store.lockKey("grant"), "someone-else", "PX", 5_000);
    expect(await lock.extend(60_000)).toBe(false);
    expect(await lock.set(sampleToken({ access_token: "stale" }))).toBe(false);
    expect(await client.pttl(store.lockKey("grant"))).toBeLessThanOrEqual(5_000);
    expect((await store.get("grant"))?.access_token).toBe("fenced");
    await expect(lock.extend(0)).rejects.toThrow(TypeError);
  });

  it("a lock on key x is independent of a value stored under the key x:lock", async () => {
    const store = newStore();
    await store.set("x:lock", sampleToken({ access_token: "value" }));
    const lock = await store.lock("x", 5_000);
    expect(lock).toBeDefined();
    expect((await store.get("x:lock"))?.access_token).toBe("value");
    await lock?.release();
  });
});
