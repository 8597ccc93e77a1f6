// Issue 17: RedisTokenStore on a 3-primary / 3-replica Redis Cluster (private redis-server processes on
// 127.0.0.1) against raw ioredis Cluster commands on the same bytes, as ratios from paired rounds in one run;
// the cost of `durability: { replicas: 1 }` (SET + WAIT); memory per stored token (MEMORY USAGE); and the
// Redis commands of 10,000 cached getAuthorization calls over the cluster (INFO commandstats; target 0).
// Usage: node bench/cluster.bench.mjs   (needs redis-server and redis-cli on PATH)
import { BackendServicesAuth } from "@fhir-dsl/smart";
import { startSandbox } from "@fhir-dsl/smart-sandbox";
import { registerBackendClient } from "@fhir-dsl/smart-sandbox/testing";
import { sampleToken } from "@fhir-dsl/token-store/testing";
import { Cluster, Redis } from "ioredis";
import { startRedisCluster } from "@fhir-dsl/test-redis";
import { RedisTokenStore } from "../dist/index.js";

const OPS = Number(process.env.BENCH_OPS ?? 1_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const KEYS = 16;

async function measure(op) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < OPS; i++) await op(i);
  return Number(process.hrtime.bigint() - start) / OPS;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Paired rounds in alternating order (load drift on a shared machine hits both sides alike). */
async function pair(a, b) {
  await measure(a);
  await measure(b);
  const as = [],
    bs = [],
    ratios = [];
  for (let round = 0; round < ROUNDS; round++) {
    const first = round % 2 === 0;
    const x = await measure(first ? a : b);
    const y = await measure(first ? b : a);
    const [an, bn] = first ? [x, y] : [y, x];
    as.push(an);
    bs.push(bn);
    ratios.push(an / bn);
  }
  return { a: median(as), b: median(bs), ratio: median(ratios) };
}

const redis = await startRedisCluster({ primaries: 3, replicasPerPrimary: 1 });
const cluster = new Cluster(redis.startupNodes);
const keyPrefix = `bench-cluster:${process.pid}:`;
const store = new RedisTokenStore(cluster, { keyPrefix });
const durable = new RedisTokenStore(cluster, { keyPrefix, durability: { replicas: 1 } });
const token = sampleToken({ expires_at: Date.now() + 3_600_000 });
const keys = Array.from({ length: KEYS }, (_, i) => `user:${i}`);
await Promise.all(keys.map((k) => store.set(k, token)));
const rawKeys = keys.map((k) => store.rawKey(k));
const bytes = await cluster.get(rawKeys[0]);
const ttl = await cluster.pttl(rawKeys[0]);

const rows = [];
const row = (op, sides, r, target) =>
  rows.push({
    op,
    compared: sides,
    "store µs/op": (r.a / 1000).toFixed(1),
    "raw µs/op": (r.b / 1000).toFixed(1),
    ratio: r.ratio.toFixed(3),
    target,
  });
row(
  "get",
  "store.get / cluster.get",
  await pair(
    (i) => store.get(keys[i % KEYS]),
    (i) => cluster.get(rawKeys[i % KEYS]),
  ),
  "<= 1.3",
);
row(
  "set",
  "store.set / cluster.set PX",
  await pair(
    (i) => store.set(keys[i % KEYS], token),
    (i) => cluster.set(rawKeys[i % KEYS], bytes, "PX", ttl),
  ),
  "<= 1.3",
);
row(
  "set, durability { replicas: 1 }",
  "durable store.set / pipeline [SET PX, WAIT 1]",
  await pair(
    (i) => durable.set(keys[i % KEYS], token),
    (i) =>
      cluster
        .pipeline([
          ["set", rawKeys[i % KEYS], bytes, "PX", ttl],
          ["wait", 1, 1000],
        ])
        .exec(),
  ),
  "<= 1.3",
);
row(
  "what WAIT costs",
  "durable store.set / store.set",
  await pair(
    (i) => durable.set(keys[i % KEYS], token),
    (i) => store.set(keys[i % KEYS], token),
  ),
  "-",
);

// memory per stored token: MEMORY USAGE of a value key, on the primary that holds it
const memory = [];
for (const [label, value] of [
  ["app-launch sample", token],
  [
    "backend JWT",
    {
      access_token: `${"a".repeat(48)}.${"b".repeat(560)}.${"c".repeat(342)}`,
      token_type: "bearer",
      expires_in: 300,
      expires_at: Date.now() + 300_000,
      scope: "system/Patient.rs system/Observation.rs system/Encounter.rs",
    },
  ],
]) {
  await store.set(`mem:${label}`, value);
  const text = await cluster.get(store.rawKey(`mem:${label}`));
  memory.push({
    value: label,
    "stored bytes": Buffer.byteLength(text),
    "MEMORY USAGE value key (B)": await cluster.call("MEMORY", "USAGE", store.rawKey(`mem:${label}`), "SAMPLES", "0"),
    "key name (B)": Buffer.byteLength(store.rawKey(`mem:${label}`)),
  });
}
const lock = await store.lock("mem:lock", 30_000);
const lockUsage = await cluster.call("MEMORY", "USAGE", store.lockKey("mem:lock"), "SAMPLES", "0");
await lock.release();

// hot path over the cluster: Redis commands sent by 10,000 cached getAuthorization calls, from INFO commandstats
const sandbox = await startSandbox();
const { privateJwk } = await registerBackendClient(sandbox, { clientId: "bench", kid: "bench" });
const auth = new BackendServicesAuth({
  fhirBaseUrl: sandbox.fhirBaseUrl,
  tokenEndpoint: sandbox.tokenEndpoint,
  clientId: "bench",
  scope: "system/Patient.rs",
  privateKey: privateJwk,
  alg: "ES384",
  kid: "bench",
  tokenStore: new RedisTokenStore(cluster, { keyPrefix: `${keyPrefix}hot:`, durability: { replicas: 1 } }),
});
const url = `${sandbox.fhirBaseUrl}/Patient`;
await auth.getAuthorization({ url, method: "GET" });
const dataCommands = async () => {
  let total = 0;
  for (const node of redis.nodes) {
    const r = new Redis(node.port, "127.0.0.1");
    const info = await r.info("commandstats");
    r.disconnect();
    for (const m of info.matchAll(/^cmdstat_(get|set|del|eval|evalsha|wait|exists|pttl):calls=(\d+)/gm))
      total += Number(m[2]);
  }
  return total;
};
const before = await dataCommands();
for (let i = 0; i < 10_000; i++) await auth.getAuthorization({ url, method: "GET" });
const hotPathCommands = (await dataCommands()) - before;

console.log(
  `RedisTokenStore on a Redis Cluster (3 primaries, 3 replicas, 127.0.0.1) vs raw ioredis Cluster commands on the same bytes (${Buffer.byteLength(bytes)} B)`,
);
console.log(`${OPS} sequential ops x ${ROUNDS} paired rounds, medians; Node ${process.version}`);
console.table(rows);
console.log("Memory per stored token (MEMORY USAGE, jemalloc, Redis 7.0):");
console.table(memory);
console.log(`lock key while held: ${lockUsage} B`);
console.log(
  `10,000 cached getAuthorization calls over the cluster store (durability on): ${hotPathCommands} Redis data commands (target 0)`,
);
cluster.disconnect();
await sandbox.close();
await redis.stop();
if (hotPathCommands > 0 || rows.some((r) => r.target === "<= 1.3" && Number(r.ratio) > 1.3)) process.exitCode = 1;
