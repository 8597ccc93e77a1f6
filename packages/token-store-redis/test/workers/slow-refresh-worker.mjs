// One process of a fleet sharing one App Launch session through Redis, whose refreshes take longer than the
// refresh lease (issue 14, SECURITY.md F10). The lease options pass the construction check (leaseMs covers
// timeoutMs x attempts), so the time that outlives the lease is time no request timeout bounds: this
// process's transport holds each refresh answer `holdAnswerMs` after the server sent it (a slow proxy, a
// stalled event loop), and may wait `holdBeforeSendMs` before sending one. Result: one JSON line on stdout.
import { SmartClient } from "@fhir-dsl/smart";
import { Redis } from "ioredis";
import { RedisTokenStore } from "../../dist/index.js";
import { pollAuthorization } from "./poll.mjs";

const config = JSON.parse(process.env.WORKER_CONFIG);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const isRefresh = (init) => String(init?.body ?? "").includes("grant_type=refresh_token");

async function slowTransport(url, init) {
  if (!isRefresh(init)) return globalThis.fetch(url, init);
  if (config.holdBeforeSendMs) await sleep(config.holdBeforeSendMs);
  const response = await globalThis.fetch(url, init);
  const body = await response.text();
  if (config.holdAnswerMs) await sleep(config.holdAnswerMs);
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

const redis = new Redis(config.redisUrl);
redis.on("error", () => {});
const session = await SmartClient.restore({
  smartConfig: config.smartConfig,
  fhirBaseUrl: config.fhirBaseUrl,
  clientId: config.clientId,
  tokenStore: new RedisTokenStore(redis, { keyPrefix: config.keyPrefix }),
  storeKey: config.storeKey,
  verifyIdToken: false,
  leaseMs: config.leaseMs,
  timeoutMs: config.timeoutMs,
  maxRetries: config.maxRetries,
  fetch: slowTransport,
});
if (session === undefined) throw new Error("no session in the store");

// a used refresh token presented would end the grant: stop there
const { seen, errors, calls } = await pollAuthorization(session, config, "reauthorization_required");
redis.disconnect();
process.stdout.write(`${JSON.stringify({ seen, errors, calls })}\n`);
