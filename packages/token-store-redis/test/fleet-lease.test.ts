// Issue 14, section 1 (SECURITY.md F10): a refresh that outlives its lease must not let a second process
// present the same rotating refresh token. Real parts: redis-server, the sandbox (oidc-provider) with
// refresh-token rotation and reuse detection (RFC 9700 4.14.2: reuse revokes the whole grant), and child
// processes. Checklist E3 (refresh token rotation).
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  buildAuthorizeUrl,
  createPkcePair,
  discoverSmartConfiguration,
  exchangeCode,
  generateNonce,
  generateState,
  type SmartConfiguration,
  type StoredToken,
} from "@fhir-dsl/smart";
import { type Sandbox, startSandbox } from "@fhir-dsl/smart-sandbox";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RedisTokenStore } from "../src/index.js";
import { ensureBuilt, runFleet, type WorkerResult } from "./fleet.js";
import { randomPrefix, sharedClient } from "./helpers.js";

const REDIRECT_URI = "http://127.0.0.1/callback";
const WORKERS = 8;
const LIFETIME_S = 2;
const RUN_MS = 9_000;
// Accepted by the construction check: worst-case refresh = timeoutMs x (0 + 1) = 1200 ms <= leaseMs.
const LEASE = { leaseMs: 1_200, timeoutMs: 1_200, maxRetries: 0 };
// The server answers a refresh after 500 ms; the process's transport hands the answer over 900 ms later:
// each refresh holds the lease ~1.5 s, longer than the 1.2 s lease. Without extension the lease lapses mid-refresh.
const SERVER_DELAY_MS = 500;
const HOLD_ANSWER_MS = 900;

const workerPath = join(dirname(fileURLToPath(import.meta.url)), "workers", "slow-refresh-worker.mjs");
let sandbox: Sandbox;
let smartConfig: SmartConfiguration;
const refused: string[] = [];
const client = sharedClient();

beforeAll(async () => {
  ensureBuilt();
  sandbox = await startSandbox({
    accessTokenLifetimeSeconds: LIFETIME_S,
    logger: (line) => refused.push(line),
    clients: [{ clientId: "lease-app", redirectUris: [REDIRECT_URI] }],
  });
  smartConfig = JSON.parse(JSON.stringify(await discoverSmartConfiguration(sandbox.fhirBaseUrl)));
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
  await client.quit();
});

/** A fresh App Launch session (code exchange on the sandbox), stored in Redis under a random prefix. */
async function launchedSession(
  stale = false,
): Promise<{ keyPrefix: string; storeKey: string; store: RedisTokenStore; tokens: StoredToken }> {
  const { codeVerifier, codeChallenge } = await createPkcePair();
  const state = generateState();
  const nonce = generateNonce();
  const scope = "launch/patient openid fhirUser offline_access patient/Patient.rs";
  const redirect = await sandbox.authorize(
    buildAuthorizeUrl({
      smartConfig,
      clientId: "lease-app",
      redirectUri: REDIRECT_URI,
      scope,
      state,
      codeChallenge,
      aud: sandbox.fhirBaseUrl,
      nonce,
    }),
  );
  const tokens = await exchangeCode({
    smartConfig,
    clientId: "lease-app",
    redirectUri: REDIRECT_URI,
    code: redirect.searchParams.get("code")!,
    codeVerifier,
    nonce,
  });
  expect(tokens.refresh_token).toBeTypeOf("string");
  const keyPrefix = randomPrefix("lease");
  const storeKey = "smart:user:1";
  const store = new RedisTokenStore(client, { keyPrefix });
  await store.set(storeKey, stale ? { ...tokens, expires_at: Date.now() - 1_000 } : tokens);
  return { keyPrefix, storeKey, store, tokens };
}

function workerConfig(session: { keyPrefix: string; storeKey: string }, extra: Record<string, unknown>) {
  return {
    redisUrl: inject("redisUrl"),
    keyPrefix: session.keyPrefix,
    storeKey: session.storeKey,
    smartConfig,
    fhirBaseUrl: sandbox.fhirBaseUrl,
    clientId: "lease-app",
    ...LEASE,
    ...extra,
  };
}

/** One worker process we can kill; `result` settles when it exits (undefined when killed). */
function startWorker(config: Record<string, unknown>): {
  child: ChildProcess;
  result: Promise<WorkerResult | undefined>;
} {
  const child = spawn(process.execPath, [workerPath], {
    cwd: join(dirname(workerPath), "..", ".."),
    env: { ...process.env, WORKER_CONFIG: JSON.stringify({ ...config, index: 0 }) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const result = new Promise<WorkerResult | undefined>((resolve, reject) => {
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") return resolve(undefined);
      if (code !== 0) return reject(new Error(`worker exited with ${code}: ${err.slice(-2000)}`));
      resolve(JSON.parse(out.trim().split("\n").pop()!) as WorkerResult);
    });
  });
  return { child, result };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
  return Date.now();
}
const refreshes = () => sandbox.stats.tokenRequestsByGrant.refresh_token ?? 0;

describe("the refresh lease cannot be outlived (issue 14, SECURITY.md F10)", () => {
  it(`${WORKERS} processes, every refresh slower than the lease, several expiries: one refresh per expiry, the grant never revoked, no reauthorization_required`, async () => {
    const session = await launchedSession();
    sandbox.faults.reset();
    sandbox.faults.delayRefreshMs(SERVER_DELAY_MS);
    sandbox.stats.reset();
    refused.length = 0;
    const startAt = Date.now() + 1_500; // children load first, then start together
    const results = await runFleet(
      "slow-refresh-worker.mjs",
      WORKERS,
      workerConfig(session, { holdAnswerMs: HOLD_ANSWER_MS, startAt, stopAt: startAt + RUN_MS }),
    );
    sandbox.faults.reset();

    const seenByServer = JSON.stringify({
      refreshes: refreshes(),
      grantsRevokedByReuse: sandbox.stats.grantsRevokedByReuse,
    });
    expect(
      results.flatMap((r) => r.errors),
      seenByServer,
    ).toEqual([]); // no reauthorization_required, no lock timeout, nothing
    expect(sandbox.stats.grantsRevokedByReuse).toBe(0);
    expect(refused).toEqual([]); // no used refresh token was ever presented
    for (const r of results) expect(r.calls).toBeGreaterThan(20);
    const count = refreshes();
    expect(sandbox.stats.tokenRequests).toBe(count);
    // a token lives 2 s, is renewed 0.5 s early and a refresh takes ~1.5 s: one refresh every ~3 s
    expect(count).toBeGreaterThanOrEqual(2);
    expect(count).toBeLessThanOrEqual(
      Math.ceil(RUN_MS / ((LIFETIME_S * 1000 * 3) / 4 + SERVER_DELAY_MS + HOLD_ANSWER_MS)) + 1,
    );
    // every token the fleet used came from one refresh each (plus the exchanged one): one refresh per expiry
    const distinct = new Set(results.flatMap((r) => r.seen));
    expect(distinct.size).toBeLessThanOrEqual(count + 1);
    expect(distinct.size).toBeGreaterThanOrEqual(count);
    const stored = await session.store.get(session.storeKey);
    expect(stored?.refresh_token).toBeTypeOf("string");
    expect(stored?.refresh_token).not.toBe(session.tokens.refresh_token);
  }, 60_000);

  it("a holder killed with SIGKILL after its refresh reached the server: another process takes over once the lease lapses; the server sees the spent refresh token again and revokes the grant", async () => {
    const session = await launchedSession(true);
    sandbox.faults.reset();
    sandbox.faults.delayRefreshMs(5_000); // the server spends the refresh token at once, then holds the answer
    sandbox.stats.reset();
    refused.length = 0;
    const lockKey = session.store.lockKey(session.storeKey);
    const holder = startWorker(workerConfig(session, { startAt: Date.now(), stopAt: Date.now() + 20_000 }));
    await until(() => refreshes() === 1, 10_000, "the holder's refresh at the server");
    const owner = await client.get(lockKey);
    expect(owner).toMatch(/^[0-9a-f]{32}$/);
    holder.child.kill("SIGKILL");
    const killedAt = Date.now();
    expect(await holder.result).toBeUndefined();
    sandbox.faults.delayRefreshMs(0);

    const taker = startWorker(workerConfig(session, { startAt: Date.now(), stopAt: Date.now() + 8_000 }));
    // the dead holder's lease is not extended any more: it lapses within leaseMs of the kill
    const lapsedAt = await until(
      async () => (await client.get(lockKey)) !== owner,
      LEASE.leaseMs + 2_000,
      "the lease to lapse",
    );
    expect(lapsedAt - killedAt).toBeLessThanOrEqual(LEASE.leaseMs + 500);
    const secondAt = await until(() => refreshes() === 2, 10_000, "the second refresh");
    expect(secondAt).toBeGreaterThanOrEqual(lapsedAt); // no second refresh while the first holder's lease lived
    const result = (await taker.result)!;
    // What the server saw: the killed holder's refresh spent refresh token #1 and issued #2, whose only copy
    // died with the process. The next holder could only present #1 again: reuse, so the grant is revoked.
    expect(sandbox.stats.grantsRevokedByReuse).toBe(1);
    expect(result.errors.map((e) => e.code)).toEqual(["reauthorization_required"]);
    expect(result.seen).toEqual([]);
    // it deleted only the token it had read and presented (nothing newer was stored)
    expect(await session.store.get(session.storeKey)).toBeUndefined();
  }, 30_000);

  it("a holder killed with SIGKILL before its refresh reached the server: another process takes over after the lease and refreshes; the grant lives", async () => {
    const session = await launchedSession(true);
    sandbox.faults.reset();
    sandbox.stats.reset();
    const lockKey = session.store.lockKey(session.storeKey);
    const holder = startWorker(
      workerConfig(session, { holdBeforeSendMs: 10_000, startAt: Date.now(), stopAt: Date.now() + 20_000 }),
    );
    await until(async () => (await client.exists(lockKey)) === 1, 10_000, "the holder's lease");
    await sleep(LEASE.leaseMs); // it keeps the lease past its first end: extended while the refresh is pending
    expect(await client.exists(lockKey)).toBe(1);
    holder.child.kill("SIGKILL");
    await holder.result;
    expect(sandbox.stats.tokenRequests).toBe(0); // nothing reached the server

    const taker = startWorker(workerConfig(session, { startAt: Date.now(), stopAt: Date.now() + 4_000 }));
    const result = (await taker.result)!;
    expect(result.errors).toEqual([]);
    expect(result.seen.length).toBeGreaterThanOrEqual(1);
    expect(refreshes()).toBeGreaterThanOrEqual(1); // a 2 s token may be refreshed again within the 4 s run
    expect(result.seen.length).toBeLessThanOrEqual(refreshes());
    expect(sandbox.stats.grantsRevokedByReuse).toBe(0);
    expect((await session.store.get(session.storeKey))?.refresh_token).not.toBe(session.tokens.refresh_token);
  }, 30_000);
});
