// A redis-server for tests and benches: REDIS_URL when set (.ci/run exports it), otherwise a private
// `redis-server` (REDIS_SERVER_BIN or PATH) on a free 127.0.0.1 port, without persistence.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createConnection, createServer } from "node:net";

export async function freePort() {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.setTimeout(500);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** A private redis-server that a test may stop and start again on the same port. */
export async function startPrivateRedis() {
  const port = await freePort();
  const bin = process.env.REDIS_SERVER_BIN || "redis-server";
  let child;
  process.once("exit", () => child?.kill("SIGTERM")); // never leave a server behind, even on a crash

  const start = async () => {
    child = spawn(bin, ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
    const spawned = child;
    spawned.once("error", () => {});
    for (let i = 0; i < 100; i++) {
      if (spawned.exitCode !== null) throw new Error(`${bin} exited with ${spawned.exitCode} on port ${port}`);
      if (await ping(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${bin} did not answer PING on port ${port}`);
  };

  const stop = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = once(running, "exit");
    running.kill("SIGTERM");
    await exited;
  };

  await start();
  return { port, url: `redis://127.0.0.1:${port}`, start, stop };
}

/** REDIS_URL when set, else a private server; `stop` ends only what this call started. */
export async function redisForTests() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, shared: true, stop: async () => {} };
  const redis = await startPrivateRedis();
  return { url: redis.url, shared: false, stop: redis.stop };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Run redis-cli (REDIS_CLI_BIN or PATH) and resolve with its stdout; rejects on a non-zero exit. */
export function redisCli(args, { timeoutMs = 30_000 } = {}) {
  const bin = process.env.REDIS_CLI_BIN || "redis-cli";
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${bin} ${args.join(" ")} exited with ${code}: ${(err || out).slice(-500)}`));
    });
  });
}

/** One redis-server process on a fixed 127.0.0.1 port that a test may kill, stop and start again. */
function serverProcess(port, args, label) {
  const bin = process.env.REDIS_SERVER_BIN || "redis-server";
  let child;
  const node = {
    host: "127.0.0.1",
    port,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      if (node.running) return;
      child = spawn(bin, args, { stdio: "ignore" });
      const spawned = child;
      spawned.once("error", () => {});
      for (let i = 0; i < 200; i++) {
        if (spawned.exitCode !== null)
          throw new Error(`${bin} (${label}) exited with ${spawned.exitCode} on port ${port}`);
        if (await ping(port)) return;
        await sleep(25);
      }
      throw new Error(`${bin} (${label}) did not answer PING on port ${port}`);
    },
    /** SIGKILL (a crash: nothing flushed, no goodbye to replicas) or SIGTERM; resolves once it exited. */
    async kill(signal = "SIGKILL") {
      const running = child;
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
      const exited = once(running, "exit");
      running.kill(signal);
      await exited;
    },
    stop() {
      return node.kill("SIGTERM");
    },
  };
  process.once("exit", () => child?.kill("SIGKILL"));
  return node;
}

async function freePorts(count) {
  const ports = new Set();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/**
 * A Redis Cluster of `primaries` primaries with `replicasPerPrimary` replicas each, on free 127.0.0.1 ports,
 * no persistence (each node keeps only its cluster state file, in a tmp dir). `clusterNodeTimeoutMs` is
 * short so that an automatic failover takes about 2 s. Start it once per test file: creation takes seconds.
 */
export async function startRedisCluster({ primaries = 3, replicasPerPrimary = 1, clusterNodeTimeoutMs = 1000 } = {}) {
  const { mkdtemp, rm } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = await mkdtemp(join(tmpdir(), "redis-cluster-"));
  const count = primaries * (1 + replicasPerPrimary);
  const ports = await freePorts(count * 2);
  const nodes = Array.from({ length: count }, (_, i) => {
    const port = ports[i];
    return serverProcess(
      port,
      [
        "--bind",
        "127.0.0.1",
        "--port",
        String(port),
        "--cluster-port",
        String(ports[count + i]),
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        join(dir, `nodes-${port}.conf`),
        "--cluster-node-timeout",
        String(clusterNodeTimeoutMs),
        // a replica that lost its primary long ago may still be promoted (tests pause replicas on purpose)
        "--cluster-replica-validity-factor",
        "0",
        "--cluster-allow-replica-migration",
        "no",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--dbfilename",
        `dump-${port}.rdb`,
        // a node that rejoins as a replica syncs at once, without the default 5 s wait for other replicas
        "--repl-diskless-sync",
        "yes",
        "--repl-diskless-sync-delay",
        "0",
        "--repl-ping-replica-period",
        "1",
      ],
      `cluster node ${i}`,
    );
  });
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await redisCli([
      "--cluster",
      "create",
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      "--cluster-replicas",
      String(replicasPerPrimary),
      "--cluster-yes",
    ]);
    await waitClusterOk(nodes, count);
  } catch (error) {
    await Promise.all(nodes.map((n) => n.kill()));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    nodes,
    /** The seed list for `new Cluster(...)`. */
    startupNodes: nodes.map((n) => ({ host: n.host, port: n.port })),
    node(port) {
      const found = nodes.find((n) => n.port === Number(port));
      if (!found) throw new Error(`no cluster node on port ${port}`);
      return found;
    },
    /** Until every running node reports cluster_state:ok and knows every node. */
    waitOk: (timeoutMs) =>
      waitClusterOk(
        nodes.filter((n) => n.running),
        count,
        timeoutMs,
      ),
    async stop() {
      await Promise.all(nodes.map((n) => n.kill()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitClusterOk(nodes, known, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const infos = await Promise.all(
      nodes.map((n) => redisCli(["-p", String(n.port), "cluster", "info"]).catch(() => "")),
    );
    if (
      infos.every((info) => /cluster_state:ok/.test(info) && new RegExp(`cluster_known_nodes:${known}\\b`).test(info))
    )
      return;
    if (Date.now() > deadline) throw new Error(`Redis Cluster not ok within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * A Sentinel-managed group on free 127.0.0.1 ports: one primary, `replicas` replicas and `sentinels` sentinels
 * (`redis-server <conf> --sentinel`, quorum 2, down-after 1 s), no persistence, all files in a tmp dir.
 */
export async function startSentinelGroup({ replicas = 2, sentinels = 3, name = "tokens", downAfterMs = 1000 } = {}) {
  const { mkdtemp, rm, writeFile } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = await mkdtemp(join(tmpdir(), "redis-sentinel-"));
  const ports = await freePorts(1 + replicas + sentinels);
  const [primaryPort, ...rest] = ports;
  const dataArgs = (port) => [
    "--bind",
    "127.0.0.1",
    "--port",
    String(port),
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
    "--dbfilename",
    `dump-${port}.rdb`,
    "--repl-diskless-sync",
    "yes",
    "--repl-diskless-sync-delay",
    "0",
    "--repl-ping-replica-period",
    "1",
  ];
  const nodes = [
    serverProcess(primaryPort, dataArgs(primaryPort), "primary"),
    ...rest
      .slice(0, replicas)
      .map((port, i) =>
        serverProcess(port, [...dataArgs(port), "--replicaof", "127.0.0.1", String(primaryPort)], `replica ${i}`),
      ),
  ];
  const sentinelNodes = [];
  for (const port of rest.slice(replicas)) {
    const conf = join(dir, `sentinel-${port}.conf`);
    await writeFile(
      conf,
      [
        `port ${port}`,
        "bind 127.0.0.1",
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
        `sentinel failover-timeout ${name} 10000`,
        `sentinel parallel-syncs ${name} ${replicas}`,
        "",
      ].join("\n"),
    );
    sentinelNodes.push(serverProcess(port, [conf, "--sentinel"], `sentinel on ${port}`));
  }
  const group = {
    name,
    nodes,
    sentinels: sentinelNodes,
    /** For `new Redis({ sentinels, name })`. */
    sentinelAddresses: sentinelNodes.map((s) => ({ host: s.host, port: s.port })),
    node(port) {
      const found = nodes.find((n) => n.port === Number(port));
      if (!found) throw new Error(`no data node on port ${port}`);
      return found;
    },
    /** The primary's port as the first answering sentinel sees it. */
    async primaryPort() {
      for (const s of sentinelNodes.filter((x) => x.running)) {
        const out = await redisCli(["-p", String(s.port), "sentinel", "get-master-addr-by-name", name]).catch(() => "");
        const port = Number(out.trim().split("\n")[1]);
        if (port) return port;
      }
      throw new Error("no sentinel answered");
    },
    /** Until every sentinel agrees on a primary other than `oldPort` that reports role master with its replicas. */
    async waitPrimaryOtherThan(oldPort, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const seen = await Promise.all(
          sentinelNodes.map((s) =>
            redisCli(["-p", String(s.port), "sentinel", "get-master-addr-by-name", name]).catch(() => ""),
          ),
        );
        const ports = new Set(seen.map((out) => Number(out.trim().split("\n")[1])));
        const [port] = ports;
        if (ports.size === 1 && port && port !== oldPort) {
          const role = await redisCli(["-p", String(port), "role"]).catch(() => "");
          if (role.startsWith("master")) return port;
        }
        if (Date.now() > deadline) throw new Error(`no failover away from ${oldPort} within ${timeoutMs} ms`);
        await sleep(100);
      }
    },
    async stop() {
      await Promise.all([...sentinelNodes, ...nodes].map((n) => n.kill()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const n of nodes) await n.start();
    await Promise.all(sentinelNodes.map((s) => s.start()));
    // ready: each sentinel knows every replica and the other sentinels
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ok = await Promise.all(
        sentinelNodes.map(async (s) => {
          const info = await redisCli(["-p", String(s.port), "info", "sentinel"]).catch(() => "");
          return new RegExp(
            `status=ok,address=127\\.0\\.0\\.1:${primaryPort},slaves=${replicas},sentinels=${sentinels}\\b`,
          ).test(info);
        }),
      );
      if (ok.every(Boolean)) break;
      if (Date.now() > deadline) throw new Error("Sentinel group not ready within 20 s");
      await sleep(100);
    }
  } catch (error) {
    await group.stop();
    throw error;
  }
  return group;
}

/**
 * The token-store contract suite's `raw` option for a Redis-backed store: what really landed in Redis under
 * `rawKey(key)` (the value as stored, its TTL), read with `client()` (an ioredis Redis or Cluster, looked up at
 * each read: test files usually connect it in beforeAll, after the suite is declared).
 */
export function rawRedisReader(client, rawKey, { plaintext }) {
  return {
    read: async (key) => (await client().get(rawKey(key))) ?? undefined,
    ttlMs: async (key) => {
      const ttl = await client().pttl(rawKey(key));
      return ttl >= 0 ? ttl : undefined;
    },
    plaintext,
  };
}
