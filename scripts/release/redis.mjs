// A Redis for the Redis consumer: REDIS_URL when set (.ci/run exports it), else a redis-server of our own.
import { spawn } from "node:child_process";
import { createServer, connect } from "node:net";
import { ReleaseError } from "./util.mjs";

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });

const canConnect = (port) =>
  new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });

/** Returns { url, stop, own }. */
export async function ensureRedis() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, own: false, stop: async () => {} };
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const failed = new Promise((_, reject) =>
    child.on("error", (e) =>
      reject(new ReleaseError(`REDIS_URL is unset and redis-server could not start: ${e.message}`)),
    ),
  );
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      if (await canConnect(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new ReleaseError("redis-server did not accept connections within 5 s");
  })();
  await Promise.race([ready, failed]);
  return {
    url: `redis://127.0.0.1:${port}`,
    own: true,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
