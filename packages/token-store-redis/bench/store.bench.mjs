// Store get/set against raw ioredis get/set of the same bytes, in one run (issue 5 target: ratio <= 1.3).
// Usage: pnpm bench   (uses REDIS_URL, or starts a private redis-server from REDIS_SERVER_BIN / PATH)
import { sampleToken } from "@fhir-dsl/token-store/testing";
import { Redis } from "ioredis";
import { RedisTokenStore } from "../dist/index.js";
import { benchRedis } from "./redis.mjs";

const OPS = Number(process.env.BENCH_OPS ?? 1_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const CONCURRENCY = 64;

/** ns per op of `op`, run OPS times, `parallel` calls in flight. */
async function measure(op, parallel) {
  const start = process.hrtime.bigint();
  if (parallel === 1) {
    for (let i = 0; i < OPS; i++) await op(i);
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < OPS) await op(next++);
      }),
    );
  }
  return Number(process.hrtime.bigint() - start) / OPS;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A Backend Services token as servers send it: an ASCII JWT, no refresh token (checklist E24). */
function backendToken() {
  const b64 = (n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37) % 256)).toString("base64url");
  return {
    access_token: `${b64(36)}.${b64(420)}.${b64(256)}`,
    token_type: "bearer",
    expires_in: 300,
    expires_at: Date.now() + 300_000,
    scope: "system/Patient.rs system/Observation.rs system/Encounter.rs",
  };
}

const server = await benchRedis();
const client = new Redis(server.url);
const store = new RedisTokenStore(client, { keyPrefix: `bench:${process.pid}:` });
const KEYS = 16;
const values = [
  ["backend JWT", backendToken()],
  ["app-launch sample", sampleToken({ expires_at: Date.now() + 3_600_000 })],
];

const rows = [];
const sizes = [];
for (const [label, token] of values) {
  const keys = Array.from({ length: KEYS }, (_, i) => `${label}:${i}`);
  await Promise.all(keys.map((k) => store.set(k, token)));
  const rawKeys = keys.map((k) => store.rawKey(k));
  const bytes = await client.get(rawKeys[0]); // the exact bytes the store writes
  const ttl = await client.pttl(rawKeys[0]);
  sizes.push(`${label} ${Buffer.byteLength(bytes)} B`);
  const pairs = [
    ["get", (i) => store.get(keys[i % KEYS]), (i) => client.get(rawKeys[i % KEYS])],
    ["set", (i) => store.set(keys[i % KEYS], token), (i) => client.set(rawKeys[i % KEYS], bytes, "PX", ttl)],
  ];
  for (const parallel of [1, CONCURRENCY]) {
    for (const [name, storeOp, rawOp] of pairs) {
      await measure(storeOp, parallel); // warm-up
      await measure(rawOp, parallel);
      const s = [],
        r = [],
        ratios = [];
      for (let round = 0; round < ROUNDS; round++) {
        // paired rounds in alternating order, so load drift on a shared machine hits both sides alike
        const first = round % 2 === 0;
        const a = await measure(first ? storeOp : rawOp, parallel);
        const b = await measure(first ? rawOp : storeOp, parallel);
        const [sn, rn] = first ? [a, b] : [b, a];
        s.push(sn);
        r.push(rn);
        ratios.push(sn / rn);
      }
      const storeNs = median(s),
        rawNs = median(r),
        ratio = median(ratios);
      rows.push({
        value: label,
        op: name,
        "in flight": parallel,
        "store µs/op": (storeNs / 1000).toFixed(1),
        "raw µs/op": (rawNs / 1000).toFixed(1),
        "ratio (median of pairs)": ratio.toFixed(3),
        "<= 1.3": ratio <= 1.3 ? "ok" : "over",
      });
    }
  }
  await Promise.all(rawKeys.map((k) => client.del(k)));
}

console.log(`RedisTokenStore vs raw ioredis get/set of the same bytes (${sizes.join(", ")})`);
console.log(
  `${OPS} ops x ${ROUNDS} paired rounds, medians; Node ${process.version}; ${server.shared ? "REDIS_URL" : "private redis-server"}`,
);
console.log(
  `in flight 1 = latency (the target); in flight ${CONCURRENCY} = CPU-bound throughput, where the store's JSON encode/decode is most visible`,
);
console.table(rows);
client.disconnect();
await server.stop();
if (rows.some((r) => r["in flight"] === 1 && r["<= 1.3"] !== "ok")) process.exitCode = 1;
