// Issue 17: RedisTokenStore on a real 3-primary / 3-replica Redis Cluster (redis-server processes on 127.0.0.1,
// started once for this file): the contract suite, the 8-process fleets, and a primary failover in the middle
// of a fleet run, with and without the durability option (SECURITY.md F20).
import {
  buildAuthorizeUrl,
  createPkcePair,
  discoverSmartConfiguration,
  exchangeCode,
  generateNonce,
  generateState,
  type SmartConfiguration,
} from "@fhir-dsl/smart";
import { type Sandbox, startSandbox } from "@fhir-dsl/smart-sandbox";
import { registerBackendClient } from "@fhir-dsl/smart-sandbox/testing";
import { runTokenStoreContract, sampleToken } from "@fhir-dsl/token-store/testing";
import { Cluster, Redis } from "ioredis";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisTokenStore, TokenStoreError, TokenStoreErrorCode } from "../src/index.js";
import { ensureBuilt, runFleet, type WorkerResult } from "./fleet.js";
import { randomPrefix } from "./helpers.js";
import { rawRedisReader, startRedisCluster, type RedisClusterForTests } from "@fhir-dsl/test-redis";

const LIFETIME_S = 2; // renewed 0.5 s early: one refresh about every 1.5 s
const WORKERS = 8;
const REDIRECT_URI = "http://127.0.0.1/callback";

let redis: RedisClusterForTests;
let cluster: Cluster;
let sandbox: Sandbox;
let privateJwk: Record<string, unknown>;
const refused: string[] = [];

beforeAll(async () => {
  ensureBuilt();
  redis = await startRedisCluster({ primaries: 3, replicasPerPrimary: 1 });
  cluster = new Cluster(redis.startupNodes);
  cluster.on("error", () => {});
  sandbox = await startSandbox({
    accessTokenLifetimeSeconds: LIFETIME_S,
    logger: (line) => refused.push(line),
    clients: [{ clientId: "fleet-app", redirectUris: [REDIRECT_URI] }],
  });
  const fleet = await registerBackendClient(sandbox, { clientId: "fleet", alg: "RS384", kid: "fleet" });
  privateJwk = fleet.privateJwk as Record<string, unknown>;
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
  cluster?.disconnect();
  await redis?.stop();
});

const contractPrefix = randomPrefix("cluster-contract");
runTokenStoreContract({
  name: "RedisTokenStore on a 3-primary / 3-replica Redis Cluster (issue 17)",
  test: { describe, it, beforeAll, afterAll },
  createStore: () => new RedisTokenStore(cluster, { keyPrefix: contractPrefix }),
  requireLock: true,
  raw: rawRedisReader(
    () => cluster,
    (key) => `${contractPrefix}{${key}}`,
    { plaintext: true },
  ),
});

/** The primary and the replica that hold `redisKey`'s slot now. */
async function shardOf(redisKey: string): Promise<{ primary: number; replica: number; slot: number }> {
  const slot = Number(await cluster.cluster("KEYSLOT", redisKey));
  const shards = await cluster.cluster("SLOTS");
  const shard = shards.find(([from, to]) => slot >= from && slot <= to);
  const [primary, replica] = [shard?.[2]?.[1], shard?.[3]?.[1]];
  if (primary === undefined || replica === undefined) throw new Error(`no primary with a replica for slot ${slot}`);
  return { slot, primary: Number(primary), replica: Number(replica) };
}

function node(port: number): Redis {
  const r = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 1 });
  r.on("error", () => {});
  return r;
}

/** An App Launch session (refresh token rotating, reuse detected by the sandbox) stored under `storeKey`. */
async function appLaunchSession(keyPrefix: string, storeKey: string): Promise<SmartConfiguration> {
  const smartConfig = await discoverSmartConfiguration(sandbox.fhirBaseUrl);
  const { codeVerifier, codeChallenge } = await createPkcePair();
  const state = generateState();
  const nonce = generateNonce();
  const redirect = await sandbox.authorize(
    buildAuthorizeUrl({
      smartConfig,
      clientId: "fleet-app",
      redirectUri: REDIRECT_URI,
      scope: "launch/patient openid fhirUser offline_access patient/Patient.rs",
      state,
      codeChallenge,
      aud: sandbox.fhirBaseUrl,
      nonce,
    }),
  );
  const tokens = await exchangeCode({
    smartConfig,
    clientId: "fleet-app",
    redirectUri: REDIRECT_URI,
    code: redirect.searchParams.get("code") as string,
    codeVerifier,
    nonce,
  });
  expect(tokens.refresh_token).toBeTypeOf("string");
  await new RedisTokenStore(cluster, { keyPrefix, durability: { replicas: 1 } }).set(storeKey, tokens);
  return smartConfig;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface FailoverRun {
  results: (WorkerResult & { firstOkAt: number; lastOkAt: number })[];
  /** Whether the primary acknowledged a new refresh token while its replica was cut off. */
  rotatedWhileCutOff: boolean;
  failoverDoneAt: number;
  refreshes: number;
}

/**
 * An App Launch fleet over the cluster. Once every process is serving, the replica of the session's slot
 * stops applying the replication stream (`CLIENT PAUSE WRITE` on a replica pauses its primary link too), so
 * every write to that slot is acknowledged by the primary alone. As soon as the primary holds a new refresh
 * token (or 2.5 s later) the primary is killed (SIGKILL: a crash), the replica is resumed and promoted
 * (`CLUSTER FAILOVER TAKEOVER`) without the writes it never applied, and the old primary restarts empty and
 * rejoins as its replica. This is the deterministic form of "the primary died before its replica had the
 * write". The fleet runs on for `afterMs` past the failover.
 */
async function fleetThroughFailover(storeOptions: Record<string, unknown>, afterMs: number): Promise<FailoverRun> {
  const keyPrefix = randomPrefix("failover");
  const storeKey = "smart:user:1";
  const smartConfig = await appLaunchSession(keyPrefix, storeKey);
  const redisKey = `${keyPrefix}{${storeKey}}`;
  const readyKey = `${keyPrefix}ready`;
  const stopFile = join(await mkdtemp(join(tmpdir(), "fleet-stop-")), "stop");
  await redis.waitOk();
  const { primary, replica } = await shardOf(redisKey);
  const primaryClient = node(primary);
  const replicaClient = node(replica);

  sandbox.stats.reset();
  refused.length = 0;
  const startAt = Date.now() + 1_500;
  const fleet = runFleet("cluster-worker.mjs", WORKERS, {
    mode: "app-launch",
    startupNodes: redis.startupNodes,
    storeOptions,
    keyPrefix,
    storeKey,
    readyKey,
    stopFile,
    smartConfig: JSON.parse(JSON.stringify(smartConfig)),
    fhirBaseUrl: sandbox.fhirBaseUrl,
    clientId: "fleet-app",
    startAt,
    stopAt: startAt + 45_000, // a ceiling: the test stops the fleet through stopFile
  }) as Promise<FailoverRun["results"]>;
  fleet.catch(() => undefined); // awaited below; not an unhandled rejection while the failover runs

  let rotatedWhileCutOff = false;
  let failoverDoneAt = 0;
  try {
    // every process is serving (a loaded machine may take seconds to start eight), then one more renewal period
    const deadline = Date.now() + 30_000;
    while (Number(await cluster.get(readyKey)) < WORKERS && Date.now() < deadline) await sleep(50);
    await sleep(500);
    const before = await primaryClient.get(redisKey);
    await replicaClient.call("CLIENT", "PAUSE", "30000", "WRITE");
    const cutOffUntil = Date.now() + 2_500;
    while (Date.now() < cutOffUntil) {
      if ((await primaryClient.get(redisKey)) !== before) {
        rotatedWhileCutOff = true;
        await sleep(50); // let the fleet pick the new token up from the primary
        break;
      }
      await sleep(20);
    }
    await redis.node(primary).kill();
    await replicaClient.call("CLIENT", "UNPAUSE");
    // the cluster may have promoted it already (node timeout 1 s)
    await replicaClient.call("CLUSTER", "FAILOVER", "TAKEOVER").catch(() => undefined);
    await redis.node(primary).start(); // rejoins as a replica of the new primary, empty, and syncs
    await redis.waitOk();
    failoverDoneAt = Date.now();
    await sleep(afterMs);
  } finally {
    await writeFile(stopFile, "stop");
    primaryClient.disconnect();
    await replicaClient.call("CLIENT", "UNPAUSE").catch(() => undefined);
    replicaClient.disconnect();
  }
  const results = await fleet;
  if (process.env.DEBUG_FAILOVER)
    console.log(JSON.stringify({ startAt, failoverDoneAt, rotatedWhileCutOff, refused, results }, null, 1));
  return {
    results,
    rotatedWhileCutOff,
    failoverDoneAt,
    refreshes: sandbox.stats.tokenRequestsByGrant.refresh_token ?? 0,
  };
}

describe("RedisTokenStore on a Redis Cluster (issue 17)", () => {
  it(`Backend Services: ${WORKERS} processes over an ioredis Cluster, one token request per expiry (checklist E24)`, async () => {
    const RUN_MS = 7_000;
    sandbox.stats.reset();
    const startAt = Date.now() + 2_500; // eight processes load first (slow on a loaded machine), then start together
    const results = await runFleet("cluster-worker.mjs", WORKERS, {
      mode: "backend",
      startupNodes: redis.startupNodes,
      keyPrefix: randomPrefix("cluster-fleet"),
      fhirBaseUrl: sandbox.fhirBaseUrl,
      tokenEndpoint: sandbox.tokenEndpoint,
      clientId: "fleet",
      scope: "system/Patient.rs",
      privateJwk,
      kid: "fleet",
      startAt,
      stopAt: startAt + RUN_MS,
    });
    expect(
      results.flatMap((r) => r.errors),
      JSON.stringify(results.map((r) => (r as unknown as { trace: unknown }).trace)),
    ).toEqual([]);
    for (const r of results) expect(r.calls).toBeGreaterThan(20);
    const requests = sandbox.stats.tokenRequestsByGrant.client_credentials ?? 0;
    expect(sandbox.stats.tokenRequests).toBe(requests);
    expect(new Set(results.flatMap((r) => r.seen)).size).toBe(requests);
    expect(requests).toBeGreaterThanOrEqual(3);
    expect(requests).toBeLessThanOrEqual(Math.ceil(RUN_MS / ((LIFETIME_S * 1000 * 3) / 4)));
  }, 60_000);

  it("value, lease and WAIT of a key all go to the one primary that owns its slot", async () => {
    const store = new RedisTokenStore(cluster, { keyPrefix: randomPrefix("slot"), durability: { replicas: 1 } });
    for (const key of ["a", "smart:user:42", "backend:x{y}", "ünïcode:1"]) {
      const slot = Number(await cluster.cluster("KEYSLOT", store.rawKey(key)));
      expect(Number(await cluster.cluster("KEYSLOT", store.lockKey(key)))).toBe(slot);
      await store.set(key, sampleToken());
      const lock = await store.lock(key, 1_000);
      expect(lock).toBeDefined();
      await lock?.release();
      await store.delete(key);
      expect(await store.get(key)).toBeUndefined();
    }
  });

  it("durability on: a write its replica does not acknowledge fails typed and retryable, and a lease is given back (F20)", async () => {
    const keyPrefix = randomPrefix("unacked");
    const store = new RedisTokenStore(cluster, { keyPrefix, durability: { replicas: 1, timeoutMs: 200 } });
    const plain = new RedisTokenStore(cluster, { keyPrefix });
    await store.set("k", sampleToken({ access_token: "at-replicated" })); // both nodes healthy: acknowledged
    const { replica } = await shardOf(store.rawKey("k"));
    const replicaClient = node(replica);
    await replicaClient.call("CLIENT", "PAUSE", "10000", "WRITE");
    try {
      const started = Date.now();
      const error = await store.set("k", sampleToken({ access_token: "at-unacked" })).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(200 + 1_500);
      expect(TokenStoreError.is(error)).toBe(true);
      expect((error as TokenStoreError).code).toBe(TokenStoreErrorCode.Unavailable);
      expect((error as TokenStoreError).retryable).toBe(true);
      expect((error as TokenStoreError).message).toMatch(/0 of 1 replica/);
      expect(JSON.stringify(error)).not.toContain("at-unacked");
      // the primary has it (the fleet reads it), only its durability is not known
      expect((await plain.get("k"))?.access_token).toBe("at-unacked");
      // a lease that does not reach the replica is not granted, and is freed at once
      expect(TokenStoreError.is(await store.lock("k", 30_000).catch((e: unknown) => e))).toBe(true);
      expect(await cluster.exists(store.lockKey("k"))).toBe(0);
    } finally {
      await replicaClient.call("CLIENT", "UNPAUSE");
      replicaClient.disconnect();
    }
    await store.set("k", sampleToken({ access_token: "at-again" }));
  });

  it(`failover mid-run with durability { replicas: 1 }: the fleet keeps serving, no rotated refresh token is lost, no reauthorization_required (F20)`, async () => {
    const run = await fleetThroughFailover({ durability: { replicas: 1, timeoutMs: 300 } }, 3_000);
    const errors = run.results.flatMap((r) => r.errors);
    // while the replica is cut off, no lease reaches it: nothing rotates, so nothing can be lost
    expect(run.rotatedWhileCutOff).toBe(false);
    expect(errors.filter((e) => e.code === "reauthorization_required")).toEqual([]);
    expect(refused).toEqual([]); // the sandbox saw no rotated refresh token presented again
    // what the failover window costs: typed, retryable store errors once the token is due, nothing else
    for (const e of errors) expect(e.code).toBe("token_store_error");
    // every process is served again after the failover, past at least one renewal (a token lives 2 s)
    for (const r of run.results) expect(r.lastOkAt).toBeGreaterThan(run.failoverDoneAt + 2_000);
    // every token requested was used: at most one refresh per renewal, none wasted in the failover window
    expect(run.refreshes).toBeGreaterThanOrEqual(2);
    const distinct = new Set(run.results.flatMap((r) => r.seen)).size;
    expect(distinct).toBeGreaterThanOrEqual(run.refreshes);
    expect(distinct).toBeLessThanOrEqual(run.refreshes + 1);
    // one refresh per expiry (every 1.5 s, plus the exchanged token due at the start), at most one more for the failover
    const servedMs = Math.max(...run.results.map((r) => r.lastOkAt)) - Math.min(...run.results.map((r) => r.firstOkAt));
    expect(run.refreshes).toBeLessThanOrEqual(Math.ceil(servedMs / ((LIFETIME_S * 1000 * 3) / 4)) + 1 + 1);
  }, 90_000);

  it("the same failover without durability loses the acknowledged rotated refresh token: the grant is revoked (documented loss, F20)", async () => {
    const run = await fleetThroughFailover({}, 2_500);
    // the primary acknowledged a rotated refresh token that its replica never had
    expect(run.rotatedWhileCutOff).toBe(true);
    // after the failover the store holds the refresh token before it; the next refresh presents it, the
    // server sees a rotated refresh token reused, revokes the grant, and the fleet must log in again
    expect(refused.some((line) => /invalid_grant/.test(line))).toBe(true);
    const codes = run.results.flatMap((r) => r.errors.map((e) => e.code));
    expect(codes).toContain("reauthorization_required");
  }, 90_000);
});
