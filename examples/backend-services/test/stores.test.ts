import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startLocalKms, type LocalKms } from "@fhir-dsl/test-kms";
import { REDIS_KEY_PREFIX, redisKeyPrefix } from "../src/stores.js";
import { errorLines, redisForTests, runMain } from "./helpers.js";
import { startRemoteServer, type RemoteServer } from "./sandbox.js";

let redisServer: { url: string; stop(): Promise<void> };
let redis: Redis;
let kms: LocalKms;
let server: RemoteServer;

beforeAll(async () => {
  [redisServer, kms, server] = await Promise.all([redisForTests(), startLocalKms(), startRemoteServer()]);
  redis = new Redis(redisServer.url);
});
beforeEach(async () => {
  const keys = await redis.keys(`${REDIS_KEY_PREFIX}*`);
  const mine = keys.filter((k) => k.includes(server.sandbox.tokenEndpoint));
  if (mine.length) await redis.del(mine);
});
afterAll(async () => {
  redis?.disconnect();
  await Promise.all([redisServer?.stop(), kms?.close(), server?.sandbox.close()]);
});

/** The Redis value keys this run's token landed under (its token endpoint has a random port). */
async function storedValues(): Promise<string[]> {
  const keys = await redis.keys(`${REDIS_KEY_PREFIX}*`);
  const mine = keys.filter((k) => k.includes(server.sandbox.tokenEndpoint) && !k.endsWith(":lock"));
  return Promise.all(mine.map(async (k) => (await redis.get(k)) ?? ""));
}

const kmsEnv = () => ({
  TOKEN_STORE: "kms",
  KMS_ENDPOINT: kms.endpoint,
  KMS_KEY_ID: "alias/tokens",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  // the SDK's notice that later releases need Node 22; true, but not what these tests look at
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
});

describe("TOKEN_STORE swaps the token store", () => {
  it("redis on embedded defaults: the report names it and the run exits 0", async () => {
    const { code, stdout, stderr } = await runMain({ TOKEN_STORE: "redis", REDIS_URL: redisServer.url });
    expect(errorLines(stderr)).toEqual([]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`token store +redis ${redisServer.url.replace(/[.:/]/g, "\\$&")}$`, "m"));
    expect(stdout).toMatch(/patients +5 in 3 pages/);
  });

  it("redis against a server: the token outlives the process, the second run makes no token request (checklist E24)", async () => {
    const env = { ...server.env, TOKEN_STORE: "redis", REDIS_URL: redisServer.url };
    const first = await runMain(env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/obtained +1 token request/);
    const [raw] = await storedValues();
    expect(JSON.parse(raw!)).toMatchObject({
      token: { scope: "system/Patient.rs system/Observation.rs", token_type: "Bearer" },
    });

    const grants = server.sandbox.stats.tokenRequestsByGrant.client_credentials;
    const second = await runMain(env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/obtained +from the token store, no token request/);
    expect(second.stdout).toMatch(/requests +7 \(discovery 1, token 0, FHIR 6\)/);
    expect(server.sandbox.stats.tokenRequestsByGrant.client_credentials).toBe(grants);
  });

  it("kms over redis: Redis holds only ciphertext, KMS made the data key, the second run decrypts it", async () => {
    const env = { ...server.env, ...kmsEnv(), REDIS_URL: redisServer.url };
    const first = await runMain(env);
    expect(errorLines(first.stderr)).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/token store +kms alias\/tokens at http:\/\/127\.0\.0\.1:\d+ over redis redis:\/\//);
    expect(kms.calls.GenerateDataKey).toBeGreaterThanOrEqual(1);
    const [raw] = await storedValues();
    expect(raw).toContain("kms-envelope");
    expect(raw).not.toContain("system/Patient.rs");

    const second = await runMain(env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/obtained +from the token store, no token request/);
    expect(kms.calls.Decrypt).toBeGreaterThanOrEqual(1);
  });

  it("kms without REDIS_URL wraps the in-memory store", async () => {
    const before = kms.calls.GenerateDataKey;
    const { code, stdout } = await runMain(kmsEnv());
    expect(code).toBe(0);
    expect(stdout).toMatch(/token store +kms alias\/tokens at http:\/\/127\.0\.0\.1:\d+ over memory$/m);
    expect(kms.calls.GenerateDataKey).toBe(before + 1);
  });

  it("TOKEN_STORE=redis then kms then redis on one Redis: each mode has its own key prefix, every run exits 0 (issue 19)", async () => {
    const env = { ...server.env, REDIS_URL: redisServer.url };
    const plain = await runMain({ ...env, TOKEN_STORE: "redis" });
    expect(plain.code).toBe(0);
    const encrypted = await runMain({ ...env, ...kmsEnv() });
    expect(errorLines(encrypted.stderr)).toEqual([]);
    expect(encrypted.code).toBe(0);
    expect(encrypted.stdout).toMatch(/obtained +1 token request/);
    const again = await runMain({ ...env, TOKEN_STORE: "redis" });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/obtained +from the token store, no token request/);
    const keys = (await redis.keys(`${REDIS_KEY_PREFIX}*`)).filter(
      (k) => k.includes(server.sandbox.tokenEndpoint) && !k.endsWith(":lock"),
    );
    expect(keys.filter((k) => k.startsWith(redisKeyPrefix("redis")))).toHaveLength(1);
    expect(keys.filter((k) => k.startsWith(redisKeyPrefix("kms")))).toHaveLength(1);
    expect(await redis.get(keys.find((k) => k.startsWith(redisKeyPrefix("kms")))!)).toContain("kms-envelope");
  });

  it("a Redis that is down: one line, exit 1", async () => {
    const { code, stderr } = await runMain({ TOKEN_STORE: "redis", REDIS_URL: "redis://127.0.0.1:6" });
    expect(code).toBe(1);
    expect(errorLines(stderr)).toEqual([
      "backend-services: cannot connect to Redis at redis://127.0.0.1:6 (check REDIS_URL)",
    ]);
  });
});
