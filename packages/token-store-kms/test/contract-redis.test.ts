import { runTokenStoreContract } from "@fhir-dsl/token-store/testing";
import { RedisTokenStore } from "@fhir-dsl/token-store-redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsEncryptedTokenStore, REDACTED } from "../src/index.js";
import { startLocalKms, type LocalKms } from "@fhir-dsl/test-kms";
import { kmsClient, sealedWriter, secretToken, SECRETS, uniqueKey } from "./helpers.js";
import { rawRedisReader, redisForTests } from "@fhir-dsl/test-redis";

let kms: LocalKms;
let redis: Awaited<ReturnType<typeof redisForTests>>;
let client: Redis;
let inner: RedisTokenStore;
let store: KmsEncryptedTokenStore;

beforeAll(async () => {
  [kms, redis] = await Promise.all([startLocalKms(), redisForTests()]);
  client = new Redis(redis.url);
  inner = new RedisTokenStore(client, { keyPrefix: `kms-test:${Math.random().toString(36).slice(2)}:` });
  store = new KmsEncryptedTokenStore({ kms: kmsClient(kms), keyId: "alias/tokens", store: inner });
});

runTokenStoreContract({
  name: "KmsEncryptedTokenStore over RedisTokenStore",
  test: { describe, it, beforeAll, afterAll },
  createStore: () => store,
  requireLock: true,
  raw: {
    ...rawRedisReader(
      () => client,
      (key) => inner.rawKey(key),
      { plaintext: false },
    ),
    writeToken: (key, token) => sealedWriter(kms, () => inner)(key, token),
  },
  generatedRuns: Number(process.env.FUZZ_RUNS ?? 300),
});

afterAll(async () => {
  await client.quit();
  await Promise.all([kms.close(), redis.stop()]);
});

describe("KmsEncryptedTokenStore over RedisTokenStore: what lands in Redis", () => {
  it("a placeholder StoredToken with expires_at and a redacted refresh token, no secret", async () => {
    const key = uniqueKey("redis-raw");
    await store.set(key, secretToken());
    const text = (await client.get(inner.rawKey(key))) as string;
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(text).not.toContain("patient/*.rs");
    const { token } = JSON.parse(text) as { token: Record<string, unknown> };
    expect(token).toMatchObject({
      access_token: REDACTED,
      token_type: "kms-envelope",
      refresh_token: REDACTED,
      expires_at: 1_893_456_000_000,
    });
    expect(token.__kms).toMatch(/^kms1\./);
    expect(await store.get(key)).toEqual(secretToken());
  });
});
