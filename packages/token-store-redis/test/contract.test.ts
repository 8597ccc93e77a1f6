import { runTokenStoreContract } from "@fhir-dsl/token-store/testing";
import { rawRedisReader } from "@fhir-dsl/test-redis";
import { afterAll, beforeAll, describe, it } from "vitest";
import { RedisTokenStore } from "../src/index.js";
import { randomPrefix, sharedClient } from "./helpers.js";

const client = sharedClient();
const store = new RedisTokenStore(client, { keyPrefix: randomPrefix("contract") });

runTokenStoreContract({
  name: "RedisTokenStore",
  test: { describe, it, beforeAll, afterAll },
  createStore: () => store,
  requireLock: true,
  raw: {
    ...rawRedisReader(
      () => client,
      (key) => store.rawKey(key),
      { plaintext: true },
    ),
    // the store's own format, written behind its back: a foreign writer, an older release, a tamperer
    writeToken: async (key, token) => {
      await client.set(store.rawKey(key), JSON.stringify({ v: 1, token }));
    },
  },
  generatedRuns: Number(process.env.FUZZ_RUNS ?? 300),
  teardown: async () => {
    await client.quit();
  },
});
