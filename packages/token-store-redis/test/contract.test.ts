import { runTokenStoreContract } from "@fhir-dsl/token-store/testing";
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
    read: async (key) => (await client.get(store.rawKey(key))) ?? undefined,
    ttlMs: async (key) => {
      const ttl = await client.pttl(store.rawKey(key));
      return ttl >= 0 ? ttl : undefined;
    },
    plaintext: true,
  },
  teardown: async () => {
    await client.quit();
  },
});
