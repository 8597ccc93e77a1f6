// Issue 19 (newcomer): `pnpm --filter @example/app-launch dev` on a fresh clone builds what the app imports
// (the sandbox and the core's dist) before starting, instead of crashing with ERR_MODULE_NOT_FOUND.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));

it("`pnpm --filter @example/app-launch dev` builds the workspace packages it needs, then starts", {
  timeout: 180_000,
}, async () => {
  const { FHIR_BASE_URL: _a, CLIENT_ID: _b, ...env } = process.env;
  // its own process group, so the whole tree (pnpm, sh, tsx, node) is stopped at the end
  const child = spawn("pnpm", ["--filter", "@example/app-launch", "dev"], {
    cwd: root,
    env: { ...env, PORT: "0", TURBO_TELEMETRY_DISABLED: "1" },
    detached: true,
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  const exited = once(child, "exit");
  try {
    while (!out.includes("Press Ctrl+C")) {
      if (child.exitCode !== null) throw new Error(`dev exited early: ${out}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // the build step ran over the example's workspace dependencies, the sandbox among them
    expect(out).toMatch(/Packages in scope:.*@fhir-dsl\/smart-sandbox/);
    expect(out).toMatch(/Tasks: +\d+ successful/);
    const appUrl = /standalone launch +open (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)![1]!;
    expect((await fetch(`${appUrl}/`)).status).toBe(200);
  } finally {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGTERM");
    await exited;
  }
});
