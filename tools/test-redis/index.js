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
    child = spawn(bin, ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"], { stdio: "ignore" });
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
