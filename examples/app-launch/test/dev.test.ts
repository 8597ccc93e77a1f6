import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const exampleDir = fileURLToPath(new URL("..", import.meta.url));
const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));

describe("pnpm dev", () => {
  it("starts the sandbox and the app, prints the standalone and EHR launch URLs, and stops on SIGTERM", async () => {
    const { FHIR_BASE_URL: _a, CLIENT_ID: _b, ...env } = process.env;
    const child = spawn(tsx, ["src/dev.ts"], { cwd: exampleDir, env: { ...env, PORT: "0" } });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    const exited = once(child, "exit");
    try {
      while (!out.includes("Press Ctrl+C")) {
        if (child.exitCode !== null) throw new Error(`dev exited early: ${out}${err}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const appUrl = /standalone launch +open (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
      const ehrUrl = /EHR launch +open (http:\/\/127\.0\.0\.1:\d+\/ehr-launch\?app=\S+)/.exec(out)?.[1];
      expect(appUrl).toBeDefined();
      expect(decodeURIComponent(new URL(ehrUrl!).searchParams.get("app")!)).toBe(`${appUrl}/launch`);
      const start = await fetch(`${appUrl}/`);
      expect(start.status).toBe(200);
      expect(await start.text()).toContain("Start a standalone launch");
      // the EHR launch URL sends the browser to the app's /launch with iss and launch
      const ehr = await fetch(ehrUrl!, { redirect: "manual" });
      const launch = new URL(ehr.headers.get("location")!);
      expect(`${launch.origin}${launch.pathname}`).toBe(`${appUrl}/launch`);
      expect(launch.searchParams.get("iss")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir$/);
    } finally {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    }
  });
});
