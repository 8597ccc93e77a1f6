// One process of a fleet over a Redis Cluster (issue 17): a BackendServicesAuth or a restored App Launch
// SmartClient over a RedisTokenStore on an ioredis Cluster, polled until a deadline. Config in WORKER_CONFIG;
// result on stdout as one JSON line: the poll's result plus when this process last got an authorization.
import { BackendServicesAuth, SmartClient } from "@fhir-dsl/smart";
import { existsSync } from "node:fs";
import { Cluster } from "ioredis";
import { RedisTokenStore } from "../../dist/index.js";
import { pollAuthorization } from "./poll.mjs";

const config = JSON.parse(process.env.WORKER_CONFIG);
const cluster = new Cluster(config.startupNodes);
cluster.on("error", () => {}); // a killed node is expected; failures surface as TokenStoreError
const tokenStore = new RedisTokenStore(cluster, { keyPrefix: config.keyPrefix, ...config.storeOptions });

const provider =
  config.mode === "backend"
    ? new BackendServicesAuth({
        fhirBaseUrl: config.fhirBaseUrl,
        tokenEndpoint: config.tokenEndpoint,
        clientId: config.clientId,
        scope: config.scope,
        privateKey: config.privateJwk,
        alg: "RS384",
        kid: config.kid,
        tokenStore,
      })
    : await restore();
if (provider === undefined) throw new Error("no session in the store");

// eight processes connecting at once on a loaded machine: a first read may time out, retry it (retryable)
async function restore() {
  for (let attempt = 1; ; attempt++) {
    try {
      return await SmartClient.restore({
        smartConfig: config.smartConfig,
        fhirBaseUrl: config.fhirBaseUrl,
        clientId: config.clientId,
        tokenStore,
        storeKey: config.storeKey,
        verifyIdToken: false,
      });
    } catch (error) {
      if (error?.retryable !== true || attempt === 5) throw error;
    }
  }
}
if (provider === undefined) throw new Error("no session in the store");

let lastOkAt = 0;
let firstOkAt = 0;
const trace = []; // when each error happened and its cause chain's messages (no token in them), for debugging
const timed = {
  async getAuthorization(request) {
    try {
      const header = await provider.getAuthorization(request);
      lastOkAt = Date.now();
      if (firstOkAt === 0 && config.readyKey) cluster.incr(config.readyKey).catch(() => {}); // "serving" for the test
      firstOkAt ||= lastOkAt;
      return header;
    } catch (error) {
      const causes = [];
      for (let e = error; e && causes.length < 4; e = e.cause) causes.push(String(e.message).slice(0, 200));
      trace.push({ at: Date.now(), causes });
      throw error;
    }
  },
};
// App Launch: a used refresh token presented ends the grant; stop there
// the test may end the run early by creating `stopFile` (a failover test stops once the fleet is past it)
const pollConfig = {
  ...config,
  get stopAt() {
    return config.stopFile && existsSync(config.stopFile) ? 0 : config.stopAt;
  },
};
const { seen, errors, calls } = await pollAuthorization(
  timed,
  pollConfig,
  config.mode === "backend" ? undefined : "reauthorization_required",
);
cluster.disconnect();
process.stdout.write(`${JSON.stringify({ seen, errors, calls, firstOkAt, lastOkAt, trace })}\n`);
