// Issue 19 (newcomer): `pnpm dev` selects the Redis or KMS store with TOKEN_STORE (as examples/backend-services
// does), the start page says what the sandbox really shows, and launches on it can be told apart.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisKeyPrefix } from "../src/stores.js";
import { bannerText, launchBrowser } from "./browser.js";
import { redisForTests } from "./redis.js";

const exampleDir = fileURLToPath(new URL("..", import.meta.url));
const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));
let browser: Browser;
let redisServer: { url: string; stop(): Promise<void> };
let redis: Redis;

beforeAll(async () => {
  [browser, redisServer] = await Promise.all([launchBrowser(), redisForTests()]);
  redis = new Redis(redisServer.url);
});
afterAll(async () => {
  for (const mode of ["redis", "kms"] as const) {
    const keys = await redis.keys(`${redisKeyPrefix(mode)}*`);
    if (keys.length) await redis.del(keys);
  }
  redis?.disconnect();
  await browser?.close();
  await redisServer?.stop();
});

interface Dev {
  out: string;
  err: string;
  code: number | null;
  appUrl?: string;
  ehrUrl?: string;
  stop(): Promise<void>;
}

/** `src/dev.ts` with `env`, until it prints its banner or exits. */
async function dev(env: Record<string, string>): Promise<Dev> {
  const {
    FHIR_BASE_URL: _a,
    CLIENT_ID: _b,
    TOKEN_STORE: _c,
    REDIS_URL: _d,
    KMS_KEY_ID: _e,
    KMS_ENDPOINT: _f,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _g,
    ...rest
  } = process.env;
  const child = spawn(tsx, ["src/dev.ts"], { cwd: exampleDir, env: { ...rest, PORT: "0", ...env } });
  const result: Dev = { out: "", err: "", code: null, stop: async () => {} };
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (result.out += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (result.err += chunk));
  const exited = once(child, "exit");
  while (!result.out.includes("Press Ctrl+C") && child.exitCode === null)
    await new Promise((resolve) => setTimeout(resolve, 50));
  if (child.exitCode !== null) {
    result.code = child.exitCode;
    return result;
  }
  result.appUrl = /standalone launch +open (http:\/\/127\.0\.0\.1:\d+)\//.exec(result.out)?.[1];
  result.ehrUrl = /EHR launch +open (http:\/\/127\.0\.0\.1:\d+\/ehr-launch\?app=\S+)/.exec(result.out)?.[1];
  result.stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
  };
  return result;
}

/** The raw values under `prefix` (value keys only). */
async function rawValues(prefix: string): Promise<string[]> {
  const keys = (await redis.keys(`${prefix}*`)).filter((k) => !k.endsWith(":lock"));
  return Promise.all(keys.map(async (k) => (await redis.get(k)) ?? ""));
}

describe("pnpm dev: TOKEN_STORE, start page, launch labels (issue 19)", () => {
  it("TOKEN_STORE=redis: the report names the store, a launch's token lands in Redis; the start page labels EHR and standalone launches", async () => {
    const run = await dev({ TOKEN_STORE: "redis", REDIS_URL: redisServer.url });
    const context = await browser.newContext();
    try {
      expect(run.out).toMatch(new RegExp(`token store +redis ${redisServer.url.replace(/[.:/]/g, "\\$&")}`));
      const page = await context.newPage();
      const before = (await rawValues(redisKeyPrefix("redis"))).length;
      await page.goto(run.ehrUrl!);
      expect(await bannerText(page)).toBeTruthy();
      const values = await rawValues(redisKeyPrefix("redis"));
      expect(values.length).toBe(before + 1);
      expect(values.some((v) => JSON.parse(v).token?.token_type === "Bearer")).toBe(true);

      await page.goto(`${run.appUrl}/`);
      // the sandbox has no login form and no patient picker: the page must not promise them
      const text = (await page.textContent("main"))!;
      expect(text).not.toMatch(/pick a patient/);
      expect(text).toContain("without asking");
      await page.click("#standalone");
      await page.waitForURL(/\/patient\//);
      await page.goto(`${run.appUrl}/`);
      const labels = await page.$$eval("main li a", (links) => links.map((a) => a.textContent ?? ""));
      expect(labels).toHaveLength(2);
      expect(labels[0]).toMatch(/^EHR launch · Patient\/[\w-]+ · \d\d:\d\d:\d\d UTC$/);
      expect(labels[1]).toMatch(/^Standalone launch · Patient\/[\w-]+ · \d\d:\d\d:\d\d UTC$/);
    } finally {
      await context.close();
      await run.stop();
    }
  });

  it("TOKEN_STORE=kms on the embedded sandbox: a local KMS in-process, Redis holds only an envelope, no AWS SDK notice", async () => {
    const run = await dev({ TOKEN_STORE: "kms", REDIS_URL: redisServer.url });
    const context = await browser.newContext();
    try {
      expect(run.out).toMatch(
        /token store +kms alias\/app-launch-tokens at http:\/\/127\.0\.0\.1:\d+ \(local, in-process\) over redis /,
      );
      const page = await context.newPage();
      await page.goto(run.ehrUrl!);
      expect(await bannerText(page)).toBeTruthy();
      const values = await rawValues(redisKeyPrefix("kms"));
      expect(values.length).toBeGreaterThanOrEqual(1);
      for (const value of values) {
        expect(value).toContain("kms-envelope");
        expect(value).not.toContain("Bearer");
      }
    } finally {
      await context.close();
      await run.stop();
    }
    expect(run.err).not.toContain("NodeVersionSupportWarning");
  });

  it("a wrong TOKEN_STORE, or redis without REDIS_URL, stops at once with a message saying what to set", async () => {
    const wrong = await dev({ TOKEN_STORE: "postgres" });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('TOKEN_STORE must be memory, redis or kms, got "postgres"');
    const noUrl = await dev({ TOKEN_STORE: "redis" });
    expect(noUrl.code).toBe(1);
    expect(noUrl.err).toContain("TOKEN_STORE=redis needs REDIS_URL");
  });
});
