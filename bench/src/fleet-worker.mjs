// One process of the cross-process stampede: a BackendServicesAuth over a shared RedisTokenStore, calling
// getAuthorization in a loop (20 calls, then a 1 ms pause, like a busy worker making FHIR requests) until told to stop.
import { BackendServicesAuth } from "@fhir-dsl/smart";
import { RedisTokenStore } from "@fhir-dsl/token-store-redis";
import { Redis } from "ioredis";

const config = JSON.parse(process.env.BENCH_FLEET_CONFIG);
const redis = new Redis(config.redisUrl);
const auth = new BackendServicesAuth({
  fhirBaseUrl: config.fhirBaseUrl,
  clientId: config.clientId,
  scope: config.scope,
  privateKey: config.privateJwk,
  alg: "ES384",
  kid: config.privateJwk.kid,
  tokenStore: new RedisTokenStore(redis, { keyPrefix: config.keyPrefix }),
});
const req = { url: `${config.fhirBaseUrl}/Patient`, method: "GET" };
const seen = new Map(); // header -> first time seen (epoch ms)
let calls = 0;
let errors = 0;
const errorCodes = {};
let running = true;

process.on("message", (message) => {
  if (message === "stop") running = false;
});
await redis.ping();
process.send({ type: "ready" });
await new Promise((resolve) => process.once("message", (m) => m === "go" && resolve()));

while (running) {
  for (let i = 0; i < 20; i++) {
    try {
      const header = await auth.getAuthorization(req);
      calls++;
      if (!seen.has(header)) seen.set(header, Date.now());
    } catch (error) {
      errors++;
      const code = error?.code ?? error?.name ?? "unknown";
      errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 1)); // ~20 FHIR requests per ms per process at most
}
const tokens = [...seen.entries()].map(([header, at]) => ({ id: header.slice(-12), at }));
process.send({ type: "done", calls, errors, errorCodes, tokens });
redis.disconnect();
