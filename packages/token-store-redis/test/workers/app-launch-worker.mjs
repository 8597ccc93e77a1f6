// One process of a fleet sharing one App Launch session through Redis: SmartClient.restore from the store,
// then getAuthorization until a deadline; refreshes rotate the refresh token. Result: one JSON line on stdout.
import { createHash } from "node:crypto";
import { SmartClient } from "@fhir-dsl/smart";
import { Redis } from "ioredis";
import { RedisTokenStore } from "../../dist/index.js";

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

const fingerprint = (header) => createHash("sha256").update(header).digest("hex").slice(0, 16);
const seen = [];
const errors = [];
let calls = 0;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

await sleep(Math.max(0, config.startAt - Date.now()));
while (Date.now() < config.stopAt) {
  try {
    const header = await session.getAuthorization({ url: `${config.fhirBaseUrl}/Patient`, method: "GET" });
    const id = fingerprint(header);
    if (seen[seen.length - 1] !== id) seen.push(id);
    calls++;
  } catch (error) {
    errors.push({ name: error?.name, code: error?.code, message: String(error?.message) });
    if (error?.code === "reauthorization_required") break; // the grant is gone: a used refresh token was presented
  }
  await sleep(5 + Math.floor(Math.random() * 10));
}
redis.disconnect();
process.stdout.write(`${JSON.stringify({ seen, errors, calls })}\n`);
