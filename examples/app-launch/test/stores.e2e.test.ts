import { KMSClient } from "@aws-sdk/client-kms";
import type { TokenStore } from "@fhir-dsl/smart";
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { KmsEncryptedTokenStore } from "@fhir-dsl/token-store-kms";
import { RedisTokenStore } from "@fhir-dsl/token-store-redis";
import { Redis } from "ioredis";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startLocalKms, type LocalKms } from "@fhir-dsl/test-kms";
import { startApp, type RunningApp } from "../src/app.js";
import { bannerText, launchBrowser, observationRows, screenshot } from "./browser.js";
import { redisForTests } from "./redis.js";

let sandbox: Sandbox;
let browser: Browser;
let redisServer: { url: string; stop(): Promise<void> };
let redis: Redis;
let kms: LocalKms;
let kmsClient: KMSClient;
let context: BrowserContext;
let page: Page;
const apps: RunningApp[] = [];
const SESSION_SECRET = "stores-e2e-session-secret-0123456789abcdef";

beforeAll(async () => {
  [sandbox, browser, redisServer, kms] = await Promise.all([
    startSandbox({ port: 0 }),
    launchBrowser(),
    redisForTests(),
    startLocalKms(),
  ]);
  redis = new Redis(redisServer.url);
  kmsClient = new KMSClient(kms.clientConfig());
});
afterAll(async () => {
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}*`);
    if (keys.length) await redis.del(keys);
  }
  kmsClient?.destroy();
  redis?.disconnect();
  await browser?.close();
  await Promise.all([sandbox?.close(), kms?.close(), redisServer?.stop()]);
});
beforeEach(async () => {
  sandbox.faults.reset();
  context = await browser.newContext();
  page = await context.newPage();
});
afterEach(async () => {
  await context.close();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const prefixes: string[] = [];
const prefix = () => {
  prefixes.push(`example:app:test-${Math.random().toString(36).slice(2)}:`);
  return prefixes.at(-1)!;
};
const grants = (type: string) => sandbox.stats.tokenRequestsByGrant[type] ?? 0;

async function start(tokenStore: TokenStore, clientId?: string): Promise<RunningApp> {
  // instances that serve the same browsers share the session secret (the cookie is signed: issue 15 §7)
  const app = await startApp({
    port: 0,
    sandbox,
    tokenStore,
    session: { secret: SESSION_SECRET },
    ...(clientId ? { clientId } : {}),
  });
  apps.push(app);
  return app;
}

/** The raw values under `keyPrefix` (value keys only, not lock keys). */
async function rawValues(keyPrefix: string): Promise<string[]> {
  const keys = (await redis.keys(`${keyPrefix}*`)).filter((k) => !k.endsWith(":lock"));
  return Promise.all(keys.map(async (k) => (await redis.get(k)) ?? ""));
}

describe("the launch flow with shared token stores", () => {
  it("Redis store: the session's token lives in Redis, and a restarted app serves the page without a new login", async () => {
    const keyPrefix = prefix();
    const store = new RedisTokenStore(redis, { keyPrefix });
    const first = await start(store);
    await page.goto(sandbox.ehrLaunchUrl(first.launchUrl, { patient: "patient-3" }));
    expect(await bannerText(page)).toContain("Maja Lindqvist");
    const [raw] = await rawValues(keyPrefix);
    expect(JSON.parse(raw!).token).toMatchObject({
      patient: "patient-3",
      need_patient_banner: true,
      token_type: "Bearer",
    });

    // a new process on the same Redis (same client registration, another port: cookies ignore ports)
    const patientPath = new URL(page.url()).pathname;
    await first.close();
    const second = await start(new RedisTokenStore(redis, { keyPrefix }), first.clientId);
    const codes = grants("authorization_code");
    await page.goto(`${second.url}${patientPath}`);
    expect(await bannerText(page)).toContain("Maja Lindqvist");
    expect(await observationRows(page)).toHaveLength(2);
    expect(grants("authorization_code")).toBe(codes);
  });

  it("KMS store over Redis: Redis holds only an envelope; an expired token is refreshed and re-encrypted (checklist 2k)", async () => {
    const keyPrefix = prefix();
    const store = new KmsEncryptedTokenStore({
      kms: kmsClient,
      keyId: "alias/tokens",
      store: new RedisTokenStore(redis, { keyPrefix }),
    });
    const app = await start(store);
    sandbox.faults.setAccessTokenLifetime(2);
    const dataKeys = kms.calls.GenerateDataKey;
    await page.goto(sandbox.ehrLaunchUrl(app.launchUrl, { patient: "patient-5" }));
    expect(await bannerText(page)).toContain("Claire Dubois");
    await screenshot(page, "kms-over-redis-patient");
    expect(kms.calls.GenerateDataKey).toBeGreaterThan(dataKeys);
    const [before] = await rawValues(keyPrefix);
    expect(before).toContain("kms-envelope");
    expect(before).not.toContain("patient-5");
    expect(JSON.parse(before!).token).toMatchObject({ access_token: "<redacted>", refresh_token: "<redacted>" });

    const refreshes = grants("refresh_token");
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    await page.reload();
    expect(await bannerText(page)).toContain("Claire Dubois");
    expect(grants("refresh_token")).toBe(refreshes + 1);
    const [after] = await rawValues(keyPrefix);
    expect(after).not.toBe(before);
    expect(after).toContain("kms-envelope");
  });
});
