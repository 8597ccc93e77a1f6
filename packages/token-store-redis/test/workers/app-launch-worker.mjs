// One process of a fleet sharing one App Launch session through Redis: SmartClient.restore from the store,
// then getAuthorization until a deadline; refreshes rotate the refresh token. Result: one JSON line on stdout.
import { SmartClient } from "@fhir-dsl/smart";
import { Redis } from "ioredis";
import { RedisTokenStore } from "../../dist/index.js";
import { pollAuthorization } from "./poll.mjs";

const config = JSON.parse(process.env.WORKER_CONFIG);
const redis = new Redis(config.redisUrl);
redis.on("error", () => {});
const session = await SmartClient.restore({
  smartConfig: config.smartConfig,
  fhirBaseUrl: config.fhirBaseUrl,
  clientId: config.clientId,
  tokenStore: new RedisTokenStore(redis, { keyPrefix: config.keyPrefix }),
  storeKey: config.storeKey,
  verifyIdToken: false,
});
if (session === undefined) throw new Error("no session in the store");

// a used refresh token presented would end the grant: stop there
const { seen, errors, calls } = await pollAuthorization(session, config, "reauthorization_required");
redis.disconnect();
process.stdout.write(`${JSON.stringify({ seen, errors, calls })}\n`);
