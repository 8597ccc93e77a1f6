// Everything the benches need, started and stopped in-process: keys, the sandbox, Redis, the local KMS.
import { fork } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { KMSClient } from "@aws-sdk/client-kms";
import { startSandbox } from "@fhir-dsl/smart-sandbox";
import { startLocalKms } from "@fhir-dsl/test-kms";
import { exportJWK, generateKeyPair } from "jose";

const here = dirname(fileURLToPath(import.meta.url));
export const benchDir = join(here, "..");
export const repoRoot = join(benchDir, "..");

/** An ES384 key pair: the CryptoKey, the private JWK (for child processes) and the public JWKS. */
export async function clientKeys(kid = "bench") {
  const { privateKey, publicKey } = await generateKeyPair("ES384", { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "ES384" };
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "ES384", use: "sig" }] };
  return { privateKey, privateJwk, jwks, kid };
}

const registration = (clientId, keys, jwks = keys.jwks) => ({ clientId, jwks, grantTypes: ["client_credentials"] });

/** The sandbox in this process (for counts): `addClient` registers a backend client with `keys`. */
export async function benchSandbox(keys, options = {}) {
  const sandbox = await startSandbox({ port: 0, ...options });
  let n = 0;
  return {
    sandbox,
    fhirBaseUrl: sandbox.fhirBaseUrl,
    async addClient(prefix = "bench", jwks = undefined) {
      const clientId = `${prefix}-${process.pid}-${++n}`;
      await sandbox.registerClient(registration(clientId, keys, jwks));
      return clientId;
    },
    tokenRequests: async () => sandbox.stats.tokenRequests,
    close: () => sandbox.close(),
  };
}

/** The same, in a child process (for timings; see sandbox-process.mjs for why). */
export async function sandboxProcess(keys, options = {}) {
  const child = fork(join(here, "sandbox-process.mjs"), [], {
    env: { ...process.env, BENCH_SANDBOX_OPTIONS: JSON.stringify(options) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = once(child, "exit");
  const [ready] = await Promise.race([
    once(child, "message"),
    exited.then(() => Promise.reject(new Error("the sandbox process exited"))),
  ]);
  const pending = new Map();
  let nextId = 0;
  child.on("message", (m) => pending.get(m.id)?.(m));
  const call = (op, extra = {}) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, (m) => {
        pending.delete(id);
        m.ok ? resolve(m) : reject(new Error(`sandbox ${op}: ${m.message}`));
      });
      child.send({ id, op, ...extra });
    });
  let n = 0;
  return {
    fhirBaseUrl: ready.fhirBaseUrl,
    async addClient(prefix = "bench", jwks = undefined) {
      const clientId = `${prefix}-${process.pid}-${++n}`;
      await call("register", { client: registration(clientId, keys, jwks) });
      return clientId;
    },
    tokenRequests: async () => (await call("stats")).tokenRequests,
    async close() {
      if (child.exitCode !== null) return;
      await call("close").catch(() => child.kill("SIGTERM"));
      await exited;
    },
  };
}

/** REDIS_URL, or a private `redis-server` (REDIS_SERVER_BIN or PATH) on a free port without persistence. */
export { redisForTests as benchRedis } from "@fhir-dsl/test-redis";

/**
 * Count, at the server (MONITOR), the commands that touch keys under `prefix`: whatever connection sends
 * them (RedisTokenStore uses its own connection, see its connection.ts). `settle()` waits for the feed.
 */
export async function countCommands(redis, prefix) {
  const monitor = await redis.monitor();
  const counter = {
    commands: 0,
    settle: () => new Promise((resolve) => setTimeout(resolve, 200)),
    stop: () => monitor.disconnect(),
  };
  monitor.on("monitor", (_time, args) => {
    if (args.slice(1).some((arg) => String(arg).startsWith(prefix))) counter.commands++;
  });
  return counter;
}

/** The local KMS of @fhir-dsl/test-kms (real SigV4 checks, JSON 1.1 protocol, call counts) and a KMSClient on it. */
export async function startKms() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"; // the SDK warns about Node 20 once per process
  const kms = await startLocalKms();
  const client = new KMSClient({ ...kms.clientConfig(), maxAttempts: 1 });
  const calls = () => kms.calls.GenerateDataKey + kms.calls.Decrypt + kms.calls.Encrypt + (kms.calls.DescribeKey ?? 0);
  return { kms, client, calls, close: async () => (client.destroy(), await kms.close()) };
}

/** A TokenStore wrapper counting calls into the wrapped store; keeps `lock` exactly when the store has it. */
export function countingStore(store) {
  const counts = { get: 0, set: 0, delete: 0, lock: 0 };
  const wrapped = {
    counts,
    get total() {
      return counts.get + counts.set + counts.delete + counts.lock;
    },
    get: (key) => (counts.get++, store.get(key)),
    set: (key, value) => (counts.set++, store.set(key, value)),
    delete: (key) => (counts.delete++, store.delete(key)),
  };
  if (typeof store.lock === "function") wrapped.lock = (key, leaseMs) => (counts.lock++, store.lock(key, leaseMs));
  return wrapped;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
