/**
 * Redis outages mid-run (issue 9): no token acknowledged as stored is lost. Adds to outage.test.ts
 * (typed errors and recovery across a restart without persistence): a crash with persistence on, a
 * connection that dies with a SET in flight (ioredis would replay it after reconnecting), a
 * SmartClient whose rotated refresh token arrives while Redis is down, and Backend Services that keeps
 * serving tokens while Redis is down.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sampleToken } from "@fhir-dsl/token-store/testing";
import { registerBackendClient } from "@fhir-dsl/smart-sandbox/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisTokenStore, TokenStoreError } from "../src/index.js";
import { startTcpProxy } from "@fhir-dsl/test-net";
import { freePort } from "@fhir-dsl/test-redis";

/** A redis-server with AOF and fsync on every write, that a test can kill -9 and start again. */
async function persistentRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "redis-aof-"));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      process.env.REDIS_SERVER_BIN || "redis-server",
      [
        "--bind",
        "127.0.0.1",
        "--port",
        String(port),
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
      ],
      { stdio: "ignore" },
    );
    child.once("error", () => {});
    const probe = new Redis({
      port,
      host: "127.0.0.1",
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    probe.on("error", () => {});
    for (let i = 0; i < 100; i++) {
      try {
        await probe.connect();
        if ((await probe.ping()) === "PONG") break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    probe.disconnect();
  };
  const crash = async () => {
    const running = child!;
    const exited = once(running, "exit");
    running.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    port,
    start,
    crash,
    cleanup: async () => {
      if (child && child.exitCode === null) await crash().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once `store` answers again after a Redis restart (its connection backs off between attempts; within 10 s). */
async function reconnected(store: RedisTokenStore): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (
      await store.get("reconnect-probe").then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the store did not reconnect within 10 s");
}

let redis: Awaited<ReturnType<typeof persistentRedis>>;
beforeAll(async () => {
  redis = await persistentRedis();
});
afterAll(() => redis?.cleanup());

describe("Redis crash mid-run with appendfsync always: every acknowledged set survives", () => {
  it("a writer acknowledged N versions across a kill -9 and restart; each key reads back at least its last acknowledged version", {
    timeout: 30_000,
  }, async () => {
    const client = new Redis({ port: redis.port, host: "127.0.0.1" });
    client.on("error", () => {});
    const store = new RedisTokenStore(client, { keyPrefix: "crash:", commandTimeoutMs: 300 });
    const acked = new Map<string, number>();
    let running = true;
    let failures = 0;
    const writer = (async () => {
      for (let version = 1; running; version++) {
        const key = `grant-${version % 10}`;
        try {
          await store.set(key, sampleToken({ access_token: `at-${version}`, refresh_token: `rt-${version}` }));
          acked.set(key, version);
        } catch (error) {
          if (!TokenStoreError.is(error)) throw error;
          failures++;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await redis.crash();
    await new Promise((r) => setTimeout(r, 300));
    await redis.start();
    await new Promise((r) => setTimeout(r, 800));
    running = false;
    await writer;
    expect(failures).toBeGreaterThan(0);
    expect(acked.size).toBe(10);
    for (const [key, version] of acked) {
      const token = await store.get(key);
      expect(Number(token?.access_token.slice(3))).toBeGreaterThanOrEqual(version);
    }
    client.disconnect();
  });
});

/**
 * Finding F2 (issue 9, fixed): with ioredis' default `autoResendUnfulfilledCommands: true`, a SET that the
 * store reported as failed (deadline passed on a dead connection) was resent by ioredis after it reconnected,
 * and overwrote a newer token another process had stored and been told was stored. The store now sends
 * its commands on its own connection with resending off (src/connection.ts), whatever the client says.
 */
async function staleReplay(resend: boolean): Promise<string | undefined> {
  const proxy = await startTcpProxy(redis.port);
  const viaProxy = new Redis({ port: proxy.port, host: "127.0.0.1", autoResendUnfulfilledCommands: resend });
  viaProxy.on("error", () => {});
  const direct = new Redis({ port: redis.port, host: "127.0.0.1" });
  direct.on("error", () => {});
  const prefix = `replay-${resend}:`;
  const a = new RedisTokenStore(viaProxy, { keyPrefix: prefix, commandTimeoutMs: 300 });
  const b = new RedisTokenStore(direct, { keyPrefix: prefix, commandTimeoutMs: 300 });
  try {
    await a.set("grant", sampleToken({ access_token: "at-0", refresh_token: "rt-0" }));
    // process A's write goes into a black hole and is reported as failed
    proxy.setBlackhole(true);
    const failed = await a.set("grant", sampleToken({ access_token: "at-1-stale", refresh_token: "rt-1-stale" })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(TokenStoreError.is(failed)).toBe(true);
    // process B rotates, and its write is acknowledged
    await b.set("grant", sampleToken({ access_token: "at-2-rotated", refresh_token: "rt-2-rotated" }));
    // A's connection drops and comes back
    proxy.setBlackhole(false);
    proxy.cut();
    await new Promise((r) => setTimeout(r, 1_500));
    return (await b.get("grant"))?.refresh_token;
  } finally {
    viaProxy.disconnect();
    direct.disconnect();
    await proxy.close();
  }
}

describe("a connection that dies with a SET in flight", () => {
  it("with autoResendUnfulfilledCommands: false, the failed SET never lands over the newer acknowledged token", {
    timeout: 30_000,
  }, async () => {
    expect(await staleReplay(false)).toBe("rt-2-rotated");
  });

  it("with a default ioredis client, the SET reported as failed is not replayed over a newer acknowledged token (F2)", {
    timeout: 30_000,
  }, async () => {
    expect(await staleReplay(true)).toBe("rt-2-rotated");
  });
});

describe("an absurd expiry from a hostile token endpoint", () => {
  it("a token whose expires_at lies centuries ahead is stored with a capped TTL, not refused as a retryable outage (was: PX out of range)", async () => {
    const client = new Redis({ port: redis.port, host: "127.0.0.1" });
    client.on("error", () => {});
    const store = new RedisTokenStore(client, { keyPrefix: "ttl:" });
    try {
      for (const expiresAt of [Date.now() + 1e13, 1e17, 1e23, Number.MAX_VALUE]) {
        const outcome = await store.set("grant", sampleToken({ expires_at: expiresAt })).then(
          () => "stored",
          (e: unknown) => (TokenStoreError.is(e) ? e.code : String(e)),
        );
        expect({ expiresAt, outcome }).toEqual({ expiresAt, outcome: "stored" });
      }
    } finally {
      client.disconnect();
    }
  });
});

describe("SmartClient over RedisTokenStore: a refresh token rotated while Redis is down is not lost (checklist E3)", () => {
  it("the save fails typed, the new token stays in memory, and it is stored as soon as Redis is back; the stored refresh token works", {
    timeout: 30_000,
  }, async () => {
    const { startSandbox } = await import("@fhir-dsl/smart-sandbox");
    const smart = await import("@fhir-dsl/smart");
    const sandbox = await startSandbox({ port: 0 });
    const client = new Redis({ port: redis.port, host: "127.0.0.1" });
    client.on("error", () => {});
    try {
      await sandbox.registerClient({ clientId: "app", redirectUris: ["http://127.0.0.1/cb"] });
      const smartConfig = await smart.discoverSmartConfiguration(sandbox.fhirBaseUrl);
      const codeVerifier = smart.generateCodeVerifier();
      const url = smart.buildAuthorizeUrl({
        smartConfig,
        clientId: "app",
        redirectUri: "http://127.0.0.1/cb",
        scope: "patient/*.rs offline_access",
        state: smart.generateState(),
        codeChallenge: await smart.codeChallengeS256(codeVerifier),
        aud: sandbox.fhirBaseUrl,
      });
      const code = (await sandbox.authorize(url)).searchParams.get("code")!;
      const tokens = await smart.exchangeCode({
        smartConfig,
        clientId: "app",
        redirectUri: "http://127.0.0.1/cb",
        code,
        codeVerifier,
      });
      const store = new RedisTokenStore(client, { keyPrefix: "rotate:", commandTimeoutMs: 300 });
      // a short lease: the lock taken for the refresh survives the crash (AOF) and holds other refreshes for leaseMs
      const session = new smart.SmartClient({
        smartConfig,
        clientId: "app",
        tokens,
        tokenStore: store,
        storeKey: "s",
        leaseMs: 2_000,
        timeoutMs: 2_000,
        maxRetries: 0,
      });
      await session.getToken();
      const before = (await store.get("s"))!.refresh_token;

      sandbox.faults.delayTokenMs(500);
      const refreshing = session.refresh().then(
        () => "ok",
        (e: unknown) => (smart.SmartAuthError.is(e) ? e.code : String(e)),
      );
      await new Promise((r) => setTimeout(r, 150));
      await redis.crash();
      expect(await refreshing).toBe("token_store_error");
      const rotated = session.token!.refresh_token;
      expect(rotated).not.toBe(before);

      sandbox.faults.reset();
      await redis.start();
      await reconnected(store); // ioredis backs off between attempts: wait for it, not a fixed time
      await session.getToken(); // saves the token it kept
      expect((await store.get("s"))!.refresh_token).toBe(rotated);
      // a restarted process restores the session and can refresh with the stored (rotated) token
      const restored = await smart.SmartClient.restore({
        smartConfig,
        clientId: "app",
        tokenStore: store,
        storeKey: "s",
        fhirBaseUrl: sandbox.fhirBaseUrl,
        leaseMs: 2_000,
        timeoutMs: 2_000,
        maxRetries: 0,
      });
      expect((await restored!.refresh()).access_token).toBeTruthy();
    } finally {
      client.disconnect();
      await sandbox.close();
    }
  });
});

describe("BackendServicesAuth over RedisTokenStore: Redis down costs sharing, not service (SECURITY.md F8)", () => {
  it("serves tokens while Redis is down (one request per process), reports each failure typed, and shares again once Redis is back", {
    timeout: 30_000,
  }, async () => {
    const { startSandbox } = await import("@fhir-dsl/smart-sandbox");
    const { BackendServicesAuth } = await import("@fhir-dsl/smart");
    const sandbox = await startSandbox({ port: 0 });
    const client = new Redis({ port: redis.port, host: "127.0.0.1" });
    client.on("error", () => {});
    try {
      const { privateKey } = await registerBackendClient(sandbox, {
        clientId: "etl",
        kid: "k1",
        grantTypes: ["client_credentials"],
      });
      const store = new RedisTokenStore(client, { keyPrefix: "f8:", commandTimeoutMs: 300 });
      const errors: unknown[] = [];
      // one BackendServicesAuth per "process" of a fleet, all on the same Redis key
      const process = () =>
        new BackendServicesAuth({
          fhirBaseUrl: sandbox.fhirBaseUrl,
          clientId: "etl",
          scope: "system/Patient.rs",
          privateKey,
          alg: "ES384",
          kid: "k1",
          tokenStore: store,
          storeKey: "etl",
          onStoreError: (e) => errors.push(e),
        });
      const req = { url: `${sandbox.fhirBaseUrl}/Patient`, method: "GET" };
      const requests = () => sandbox.stats.tokenRequests;

      await redis.crash();
      const [a, b] = [process(), process()];
      const start = requests();
      const [ha, hb] = await Promise.all([a.getAuthorization(req), b.getAuthorization(req)]);
      expect(ha).toMatch(/^Bearer /);
      expect(hb).toMatch(/^Bearer /);
      expect(requests() - start).toBe(2); // nothing to share through: one token per process
      expect(await a.getAuthorization(req)).toBe(ha); // kept in memory, no new request
      expect(requests() - start).toBe(2);
      expect(errors.length).toBeGreaterThanOrEqual(2);
      for (const e of errors)
        expect(e).toMatchObject({ name: "SmartAuthError", code: "token_store_error", retryable: true });
      expect(errors.map(String).join()).not.toContain(ha!.slice(7));

      await redis.start();
      // each process retries its save in the background (0.5 s, 1 s, 2 s, ...): one of the two tokens lands
      let stored: string | undefined;
      for (let i = 0; i < 100 && !stored; i++) {
        stored = await store.get("etl").then(
          (t) => t?.access_token,
          () => undefined,
        );
        if (!stored) await new Promise((r) => setTimeout(r, 50));
      }
      expect([ha, hb]).toContain(`Bearer ${stored}`);
      const c = process(); // a new process takes one from Redis (the other may land later over it): no token request
      expect([ha, hb]).toContain(await c.getAuthorization(req));
      expect(requests() - start).toBe(2);
    } finally {
      client.disconnect();
      await sandbox.close();
    }
  });
});
