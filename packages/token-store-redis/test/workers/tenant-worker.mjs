// A fresh process of tenant B: a cold BackendServicesAuth over the shared RedisTokenStore, fetching from B's FHIR base.
// Config comes in WORKER_CONFIG (JSON); the result goes to stdout as one JSON line: statuses, tokens used, error codes.
import { BackendServicesAuth } from "@fhir-dsl/smart";
import { Redis } from "ioredis";
import { RedisTokenStore } from "../../dist/index.js";

const config = JSON.parse(process.env.WORKER_CONFIG);
const redis = new Redis(config.redisUrl);
redis.on("error", () => {});
const storeErrors = [];
const auth = new BackendServicesAuth({
  fhirBaseUrl: config.fhirBaseUrl,
  allowedTokenEndpoints: config.allowedTokenEndpoints,
  clientId: config.clientId,
  scope: config.scope,
  privateKey: config.privateJwk,
  alg: "ES384",
  kid: config.kid,
  tokenStore: new RedisTokenStore(redis, { keyPrefix: config.keyPrefix }),
  ...(config.storeKey ? { storeKey: config.storeKey } : {}),
  onStoreError: (error) => storeErrors.push(error.code),
});

const statuses = [];
const errors = [];
const seen = [];
for (let i = 0; i < config.requests; i++) {
  try {
    seen.push(await auth.getAccessToken());
    statuses.push((await auth.fetch(`${config.fhirBaseUrl}/Patient`)).status);
  } catch (error) {
    errors.push(error.code ?? error.name);
  }
}
redis.disconnect();
process.stdout.write(`${JSON.stringify({ statuses, errors, seen: [...new Set(seen)], storeErrors })}\n`);
