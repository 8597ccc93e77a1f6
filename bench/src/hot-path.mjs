// 1. Hot path: `await auth.getAuthorization(req)` with a valid cached token, over three stores, beside an
// awaited Map lookup plus string concatenation; store calls, Redis commands and KMS calls during the loop.
import { BackendServicesAuth, InMemoryTokenStore } from "@fhir-dsl/smart";
import { KmsEncryptedTokenStore } from "@fhir-dsl/token-store-kms";
import { RedisTokenStore } from "@fhir-dsl/token-store-redis";
import { Redis } from "ioredis";
import { countCommands, countingStore, median } from "./services.mjs";

let sink = 0; // results feed this, so the JIT cannot drop the work

// `reqs` has 16 entries: the URL check is not served from its one-entry memo (see fhir-base.ts)
async function loopAuth(auth, reqs, calls) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const header = await auth.getAuthorization(reqs[i & 15]);
    sink += header.length;
  }
  return Number(process.hrtime.bigint() - start) / calls;
}

async function loopMap(map, key, calls) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const value = await map.get(key);
    const header = `Bearer ${value}`;
    sink += header.length;
  }
  return Number(process.hrtime.bigint() - start) / calls;
}

/**
 * Builds the three providers over a sandbox client, takes the first token for each, then times
 * `rounds` rounds of `calls` calls, each provider paired with a baseline run. Rows: ns/op, ratio, counts.
 */
export async function measureHotPath({ env, calls = 200_000, rounds = 15, warmupRounds = 3 }) {
  const { bench, keys, redisUrl, kms } = env;
  const redis = new Redis(redisUrl);
  const prefix = `bench-hot:${process.pid}:`;
  const redisCounter = await countCommands(redis, prefix);
  const url = `${bench.fhirBaseUrl}/Patient/123`;
  const req = { url, method: "GET" };
  const varied = Array.from({ length: 16 }, (_, i) => ({
    url: `${bench.fhirBaseUrl}/Observation?patient=p${i}&_count=50`,
    method: "GET",
  }));
  const same = Array.from({ length: 16 }, () => req);
  const authOver = async (tokenStore) =>
    new BackendServicesAuth({
      fhirBaseUrl: bench.fhirBaseUrl,
      clientId: await bench.addClient("hot"),
      scope: "system/Patient.rs",
      privateKey: keys.privateKey,
      alg: "ES384",
      kid: keys.kid,
      tokenStore,
    });
  const stores = {
    InMemoryTokenStore: countingStore(new InMemoryTokenStore()),
    RedisTokenStore: countingStore(new RedisTokenStore(redis, { keyPrefix: prefix })),
    "KmsEncryptedTokenStore (over memory)": countingStore(
      new KmsEncryptedTokenStore({ kms: kms.client, keyId: "alias/tokens", store: new InMemoryTokenStore() }),
    ),
  };
  const providers = [];
  for (const [name, store] of Object.entries(stores))
    providers.push({ name: `${name}, 16 URLs`, store, auth: await authOver(store), reqs: varied });
  providers.push({ ...providers[0], name: "InMemoryTokenStore, one URL repeated", reqs: same });
  const setup = { storeCalls: {}, redisCommands: 0, kmsCalls: 0 };
  const redisBefore = redisCounter.commands;
  const kmsBefore = kms.calls();
  for (const p of providers) {
    const header = await p.auth.getAuthorization(req); // first token: discovery, token request, store write
    if (typeof header !== "string" || !header.startsWith("Bearer ")) throw new Error(`${p.name}: no token`);
    setup.storeCalls[p.name] = p.store.total;
  }
  await redisCounter.settle();
  setup.redisCommands = redisCounter.commands - redisBefore; // proves the counter sees the store's commands
  setup.kmsCalls = kms.calls() - kmsBefore;

  const map = new Map([["smart:backend:key", "eyJhbGciOiJFUzM4NCJ9.payload.signature"]]);
  const mapKey = "smart:backend:key";
  for (let r = 0; r < warmupRounds; r++) {
    await loopMap(map, mapKey, calls);
    for (const p of providers) await loopAuth(p.auth, p.reqs, calls);
  }
  const counts = Object.fromEntries(providers.map((p) => [p.name, p.store.total]));
  const redisStart = redisCounter.commands;
  const kmsStart = kms.calls();
  const tokenStart = await bench.tokenRequests();

  const baseline = [];
  const times = Object.fromEntries(providers.map((p) => [p.name, []]));
  const ratios = Object.fromEntries(providers.map((p) => [p.name, []]));
  for (let r = 0; r < rounds; r++) {
    // paired runs (baseline, then a provider), provider order reversed every other round against drift
    for (const p of r % 2 ? [...providers].reverse() : providers) {
      const base = await loopMap(map, mapKey, calls);
      const ns = await loopAuth(p.auth, p.reqs, calls);
      baseline.push(base);
      times[p.name].push(ns);
      ratios[p.name].push(ns / base);
    }
  }
  const totalCalls = calls * rounds;
  const result = {
    calls,
    rounds,
    baselineNs: median(baseline),
    rows: providers.map((p) => ({
      store: p.name,
      ns: median(times[p.name]),
      ratio: median(ratios[p.name]),
      storeCalls: p.store.total - counts[p.name],
      calls: totalCalls,
    })),
    redisCommands: (await redisCounter.settle(), redisCounter.commands - redisStart),
    kmsCalls: kms.calls() - kmsStart,
    tokenRequests: (await bench.tokenRequests()) - tokenStart,
    setup,
    sink,
  };
  redisCounter.stop();
  redis.disconnect();
  return result;
}
