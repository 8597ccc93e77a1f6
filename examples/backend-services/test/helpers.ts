import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";

const exampleDir = fileURLToPath(new URL("..", import.meta.url));
const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));

/** Settings of ours that must not leak in from the developer's shell or CI. */
const OURS = ["FHIR_BASE_URL", "CLIENT_ID", "PRIVATE_KEY", "PRIVATE_KEY_FILE", "KID", "ALG", "SCOPE", "TOKEN_STORE", "KMS_ENDPOINT", "KMS_KEY_ID", "PAGE_SIZE", "DEBUG"];

export interface MainResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `tsx src/main.ts` as `pnpm start` does, with `env` over a cleaned copy of ours. */
export async function runMain(env: Record<string, string | undefined> = {}): Promise<MainResult> {
  const base: Record<string, string | undefined> = { ...process.env, REDIS_URL: undefined };
  for (const name of OURS) delete base[name];
  const child = spawn(tsx, ["src/main.ts"], { cwd: exampleDir, env: { ...base, ...env } as NodeJS.ProcessEnv });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

/** Lines of stderr without the harmless runtime notice oidc-provider may print. */
export function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line.trim() && !/Unsupported runtime|oidc-provider|^\s+at |Node\.js/i.test(line));
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** REDIS_URL when set (`.ci/run` exports it), else a private `redis-server` without persistence. */
export async function redisForTests(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  const port = await freePort();
  const child = spawn(process.env.REDIS_SERVER_BIN || "redis-server", ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  child.once("error", () => {});
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => {});
    const ok = await probe.connect().then(() => probe.ping()).then(() => true, () => false);
    probe.disconnect();
    if (ok) break;
    if (attempt >= 100 || child.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}
