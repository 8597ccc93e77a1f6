/**
 * Fuzz (issue 9): whatever sits under a key in Redis (another writer, an old release, corruption, an
 * attacker with Redis access) is outside input. RedisTokenStore.get of any raw bytes, or of a key of
 * another Redis type, is a StoredToken that keeps its promises or a TokenStoreError (store_corrupt_value)
 * that names the key, never the value. FUZZ_RUNS sets the cases (default 300; `pnpm fuzz`: 100,000).
 */
import fc from "fast-check";
import type { Redis } from "ioredis";
import { storedTokenProblem } from "@fhir-dsl/token-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisTokenStore, TokenStoreError, TokenStoreErrorCode } from "../src/index.js";
import { randomPrefix, sharedClient } from "./helpers.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const testTimeout = Math.max(30_000, RUNS * 5);
const tally = { tokens: 0, refused: 0 };

let client: Redis;
let store: RedisTokenStore;
beforeAll(() => {
  client = sharedClient();
  store = new RedisTokenStore(client, { keyPrefix: randomPrefix("fuzz") });
});
afterAll(async () => {
  console.log(`fuzz RedisTokenStore.get: ${tally.tokens} tokens, ${tally.refused} refused with TokenStoreError`);
  await client.quit();
});

const anyJson = fc.jsonValue({ maxDepth: 3 });
const tokenish = fc.record(
  {
    access_token: fc.oneof({ arbitrary: fc.string({ minLength: 1, maxLength: 30 }), weight: 4 }, anyJson),
    token_type: fc.oneof(fc.constant("Bearer"), anyJson),
    expires_at: fc.oneof(fc.integer(), fc.double(), fc.constantFrom("1", null, 1e308, -1), anyJson),
    refresh_token: fc.oneof(fc.string({ maxLength: 20 }), anyJson),
    scope: fc.oneof(fc.string({ maxLength: 20 }), anyJson),
  },
  { requiredKeys: [] },
);
const envelope = fc.record(
  {
    v: fc.oneof({ arbitrary: fc.constant(1), weight: 4 }, fc.constantFrom(0, 2, "1", 1.5, null, -1)),
    token: fc.oneof({ arbitrary: tokenish, weight: 4 }, anyJson),
  },
  { requiredKeys: [] },
);
const rawValue = fc.oneof(
  { arbitrary: envelope.map((e) => Buffer.from(JSON.stringify(e))), weight: 5 },
  envelope.map((e) => Buffer.from(JSON.stringify(e).slice(0, -1))),
  envelope.map((e) => Buffer.from(`\uFEFF${JSON.stringify(e)}`)),
  anyJson.map((v) => Buffer.from(JSON.stringify(v) ?? "null")),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.constantFrom(
    Buffer.from(""),
    Buffer.from([0xff, 0xfe, 0x00]),
    Buffer.from('{"v":1,"token":{"access_token":"\\ud800"}}'),
    Buffer.from('{"__proto__":{"polluted":1},"v":1,"token":{"access_token":"a"}}'),
  ),
);

describe(`fuzz: raw values in Redis (${RUNS} cases)`, () => {
  it("get of any bytes (or a foreign Redis type) is a well-formed StoredToken or store_corrupt_value naming the key only", {
    timeout: testTimeout,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        rawValue,
        fc.constantFrom("string", "string", "string", "string", "hash", "list"),
        async (bytes, type) => {
          const key = "grant";
          const raw = store.rawKey(key);
          await client.del(raw);
          if (type === "hash") await client.hset(raw, "f", bytes);
          else if (type === "list") await client.rpush(raw, bytes);
          else await client.set(raw, bytes);
          try {
            const token = await store.get(key);
            tally.tokens++;
            expect(token).toBeDefined();
            // the one StoredToken rule of every store (storedTokenProblem), not a weaker one
            expect(storedTokenProblem(token)).toBeUndefined();
          } catch (error) {
            tally.refused++;
            if (!TokenStoreError.is(error)) throw error;
            expect(error.code).toBe(TokenStoreErrorCode.CorruptValue);
            expect(error.key).toBe(key);
            const text = bytes.toString("utf8");
            if (text.length >= 12) expect(`${error.message}${JSON.stringify(error)}`).not.toContain(text);
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        },
      ),
      { numRuns: RUNS, timeout: 5_000 },
    );
  });

  // Issue 15 §6: a store that refuses everything must fail. Any value in the store's own format (what set()
  // writes, or another process of this release) reads back as exactly the token it holds.
  it("get of any value in the store's format is that token, exactly (counted)", { timeout: testTimeout }, async () => {
    let read = 0;
    const token = fc.record(
      {
        access_token: fc.string({ minLength: 1, maxLength: 200 }),
        token_type: fc.constant("Bearer"),
        expires_at: fc.integer({ min: 0, max: 8_640_000_000_000 }),
        expires_in: fc.integer({ min: 0, max: 10 * 365 * 86_400 }),
        refresh_token: fc.string({ minLength: 1, maxLength: 100 }),
        scope: fc.constantFrom("patient/*.rs openid fhirUser", "system/*.rs", ""),
        patient: fc.stringMatching(/^[A-Za-z0-9.-]{1,64}$/),
        need_patient_banner: fc.boolean(),
      },
      { requiredKeys: ["access_token", "token_type"] },
    );
    await fc.assert(
      fc.asyncProperty(token, fc.boolean(), async (value, viaSet) => {
        const key = "valid";
        if (viaSet) await store.set(key, value);
        else await client.set(store.rawKey(key), JSON.stringify({ v: 1, token: value }));
        expect(await store.get(key)).toEqual(value);
        read++;
      }),
      { numRuns: RUNS, timeout: 5_000 },
    );
    expect(read).toBe(RUNS);
  });
});
