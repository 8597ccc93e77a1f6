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
  raw: rawRedisReader(
    () => client,
    (key) => store.rawKey(key),
    { plaintext: true },
  ),
  teardown: async () => {
    await client.quit();
  },
});
