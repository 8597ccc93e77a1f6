import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Child processes load the built package: build it when dist is missing or older than src. */
export function ensureBuilt(): void {
  const dist = join(packageDir, "dist", "index.js");
  const srcDir = join(packageDir, "src");
  const newestSrc = Math.max(...readdirSync(srcDir).map((f) => statSync(join(srcDir, f)).mtimeMs));
  if (existsSync(dist) && statSync(dist).mtimeMs >= newestSrc) return;
  execFileSync("pnpm", ["run", "build"], { cwd: packageDir, stdio: "ignore" });
}

export interface WorkerResult {
  seen: string[];
  errors: { name?: string; code?: string; message: string }[];
  calls: number;
}

/** Run `count` copies of a worker script with one config; resolves with each one's JSON result. */
export function runFleet(script: string, count: number, config: Record<string, unknown>): Promise<WorkerResult[]> {
  const path = join(packageDir, "test", "workers", script);
  return Promise.all(
    Array.from(
      { length: count },
      (_, index) =>
        new Promise<WorkerResult>((resolve, reject) => {
          const child = spawn(process.execPath, [path], {
            cwd: packageDir,
            env: { ...process.env, WORKER_CONFIG: JSON.stringify({ ...config, index }) },
            stdio: ["ignore", "pipe", "pipe"],
          });
          let out = "";
          let err = "";
          child.stdout.on("data", (d: Buffer) => (out += d.toString()));
          child.stderr.on("data", (d: Buffer) => (err += d.toString()));
          child.on("error", reject);
          child.on("exit", (code) => {
            if (code !== 0) return reject(new Error(`worker ${index} exited with ${code}: ${err.slice(-2000)}`));
            try {
              resolve(JSON.parse(out.trim().split("\n").pop() as string) as WorkerResult);
            } catch {
              reject(new Error(`worker ${index} printed no result: ${err.slice(-2000)}`));
            }
          });
        }),
    ),
  );
}
