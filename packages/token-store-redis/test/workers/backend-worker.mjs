// One process of a fleet: a BackendServicesAuth over a RedisTokenStore, calling getAuthorization until a deadline.
// Config comes in WORKER_CONFIG (JSON); the result goes to stdout as one JSON line.
import { createHash } from "node:crypto";
import { BackendServicesAuth } from "@fhir-dsl/smart";
import { Redis } from "ioredis";
import { RedisTokenStore } from "../../dist/index.js";

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

const fingerprint = (header) => createHash("sha256").update(header).digest("hex").slice(0, 16);
const seen = []; // distinct tokens in the order this process first used them
const errors = [];
let calls = 0;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

await sleep(Math.max(0, config.startAt - Date.now()));
while (Date.now() < config.stopAt) {
  try {
    const header = await auth.getAuthorization({ url: `${config.fhirBaseUrl}/Patient`, method: "GET" });
    const id = fingerprint(header);
    if (seen[seen.length - 1] !== id) seen.push(id);
    calls++;
  } catch (error) {
    errors.push({ name: error?.name, code: error?.code, message: String(error?.message) });
  }
  await sleep(5 + Math.floor(Math.random() * 10));
}
redis.disconnect();
process.stdout.write(`${JSON.stringify({ seen, errors, calls })}\n`);
