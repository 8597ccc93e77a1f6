// One process of a fleet: a BackendServicesAuth over a RedisTokenStore, calling getAuthorization until a deadline.
// Config comes in WORKER_CONFIG (JSON); the result goes to stdout as one JSON line.
import { BackendServicesAuth } from "@fhir-dsl/smart";
import { Redis } from "ioredis";
import { RedisTokenStore } from "../../dist/index.js";
import { pollAuthorization } from "./poll.mjs";

const config = JSON.parse(process.env.WORKER_CONFIG);
const redis = new Redis(config.redisUrl);
redis.on("error", () => {});
const auth = new BackendServicesAuth({
  fhirBaseUrl: config.fhirBaseUrl,
  tokenEndpoint: config.tokenEndpoint,
  clientId: config.clientId,
  scope: config.scope,
  privateKey: config.privateJwk,
  alg: "RS384",
  kid: config.kid,
  tokenStore: new RedisTokenStore(redis, { keyPrefix: config.keyPrefix }),
});

const { seen, errors, calls } = await pollAuthorization(auth, config);
redis.disconnect();
process.stdout.write(`${JSON.stringify({ seen, errors, calls })}\n`);
