// getAuthorization with a valid cached token: Redis commands per 10,000 calls (issue 5 target: <= 1) and ns/op,
// over a RedisTokenStore beside the InMemoryTokenStore.
import { BackendServicesAuth, InMemoryTokenStore } from "@fhir-dsl/smart";
import { startSandbox } from "@fhir-dsl/smart-sandbox";
import { registerBackendClient } from "@fhir-dsl/smart-sandbox/testing";
import { Redis } from "ioredis";
import { RedisTokenStore } from "../dist/index.js";
import { benchRedis } from "./redis.mjs";

const CALLS = 10_000;
const ROUNDS = 15;
const sandbox = await startSandbox();
const { privateJwk } = await registerBackendClient(sandbox, { clientId: "bench", kid: "bench" });
const server = await benchRedis();
const client = new Redis(server.url);
const keyPrefix = `bench-hot:${process.pid}:`;
const url = `${sandbox.fhirBaseUrl}/Patient`;
const authOver = (tokenStore) =>
  new BackendServicesAuth({
    fhirBaseUrl: sandbox.fhirBaseUrl,
    tokenEndpoint: sandbox.tokenEndpoint,
    clientId: "bench",
    scope: "system/Patient.rs",
    privateKey: privateJwk,
    alg: "ES384",
    kid: "bench",
    tokenStore,
  });
const providers = [
  ["RedisTokenStore", authOver(new RedisTokenStore(client, { keyPrefix }))],
  ["InMemoryTokenStore", authOver(new InMemoryTokenStore())],
];
for (const [, auth] of providers) await auth.getAuthorization({ url, method: "GET" }); // first token

const monitor = await client.monitor();
let commands = 0;
monitor.on("monitor", (_time, args) => {
  if (args.some((a) => a.startsWith(keyPrefix))) commands++;
});

async function nsPerCall(auth) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) await auth.getAuthorization({ url, method: "GET" });
  return Number(process.hrtime.bigint() - start) / CALLS;
}
const times = new Map(providers.map(([name]) => [name, []]));
for (const [, auth] of providers) await nsPerCall(auth); // warm-up
commands = 0;
let redisCalls = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, auth] of round % 2 ? providers : [...providers].reverse()) {
    times.get(name).push(await nsPerCall(auth));
    if (name === "RedisTokenStore") redisCalls += CALLS;
  }
}
await new Promise((resolve) => setTimeout(resolve, 200)); // let MONITOR deliver
monitor.disconnect();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const perTenThousand = (commands / redisCalls) * 10_000;
console.log(
  `getAuthorization with a cached token, ${CALLS} calls x ${ROUNDS} rounds (median); Node ${process.version}`,
);
console.table(
  providers.map(([name]) => ({
    store: name,
    "ns/op": median(times.get(name)).toFixed(0),
    "Redis commands / 10,000 calls": name === "RedisTokenStore" ? perTenThousand.toFixed(2) : "-",
    "target <= 1": name === "RedisTokenStore" ? (perTenThousand <= 1 ? "ok" : "over") : "-",
  })),
);
client.disconnect();
await sandbox.close();
await server.stop();
if (perTenThousand > 1) process.exitCode = 1;
