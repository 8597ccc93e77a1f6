// The Redis a bench uses: REDIS_URL, or a private redis-server (REDIS_SERVER_BIN or PATH) on a free port.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createConnection, createServer } from "node:net";

function ping(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
  });
}

export async function benchRedis() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, shared: true, stop: async () => {} };
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  const bin = process.env.REDIS_SERVER_BIN || "redis-server";
  const child = spawn(bin, ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const url = `redis://127.0.0.1:${port}`;
  process.once("exit", () => child.kill("SIGTERM")); // also when the bench crashes
  for (let i = 0; !(await ping(port)); i++) {
    if (i > 100) throw new Error(`${bin} did not answer PING on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    shared: false,
    stop: async () => {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}
