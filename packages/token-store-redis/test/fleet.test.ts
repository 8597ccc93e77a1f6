import {
  BackendServicesAuth,
  buildAuthorizeUrl,
  createPkcePair,
  discoverSmartConfiguration,
  exchangeCode,
  generateNonce,
  generateState,
  InMemoryTokenStore,
} from "@fhir-dsl/smart";
import { type Sandbox, startSandbox } from "@fhir-dsl/smart-sandbox";
import { registerBackendClient } from "@fhir-dsl/smart-sandbox/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RedisTokenStore } from "../src/index.js";
import { ensureBuilt, runFleet, type WorkerResult } from "./fleet.js";
import { randomPrefix, sharedClient } from "./helpers.js";

const LIFETIME_S = 2;
const WORKERS = 8;
const RUN_MS = 7_000;

const REDIRECT_URI = "http://127.0.0.1/callback";
let sandbox: Sandbox;
const refused: string[] = [];
let privateJwk: Record<string, unknown>;
const client = sharedClient();

beforeAll(async () => {
  ensureBuilt();
  sandbox = await startSandbox({
    accessTokenLifetimeSeconds: LIFETIME_S,
    logger: (line) => refused.push(line),
    clients: [{ clientId: "fleet-app", redirectUris: [REDIRECT_URI] }],
  });
  const fleet = await registerBackendClient(sandbox, { clientId: "fleet", alg: "RS384", kid: "fleet" });
  privateJwk = fleet.privateJwk as Record<string, unknown>;
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
  await client.quit();
});

describe("a fleet of processes sharing one Redis (issue 5)", () => {
  it(`Backend Services: ${WORKERS} processes, ${LIFETIME_S} s tokens, exactly one token request per expiry (checklist E24)`, async () => {
    sandbox.stats.reset();
    const startAt = Date.now() + 1_500; // children load first, then start together
    const results: WorkerResult[] = await runFleet("backend-worker.mjs", WORKERS, {
      redisUrl: inject("redisUrl"),
      keyPrefix: randomPrefix("fleet"),
      fhirBaseUrl: sandbox.fhirBaseUrl,
      tokenEndpoint: sandbox.tokenEndpoint,
      clientId: "fleet",
      scope: "system/Patient.rs",
      privateJwk,
      kid: "fleet",
      startAt,
      stopAt: startAt + RUN_MS,
    });

    expect(results.flatMap((r) => r.errors)).toEqual([]);
    for (const r of results) expect(r.calls).toBeGreaterThan(50);
    const requests = sandbox.stats.tokenRequestsByGrant.client_credentials ?? 0;
    const distinct = new Set(results.flatMap((r) => r.seen));
    // Every token requested was used, and no process saw an older token after a newer one.
    expect(sandbox.stats.tokenRequests).toBe(requests);
    expect(distinct.size).toBe(requests);
    const order = [...distinct].sort((a, b) => firstSeen(results, a) - firstSeen(results, b));
    for (const r of results) expect(r.seen).toEqual(order.filter((t) => r.seen.includes(t)));
    // One request per expiry: a token lives 2 s and is renewed 0.5 s early, so 7 s need at most ceil(7 / 1.5) = 5.
    expect(requests).toBeGreaterThanOrEqual(4);
    expect(requests).toBeLessThanOrEqual(Math.ceil(RUN_MS / ((LIFETIME_S * 1000 * 3) / 4)));
  }, 60_000);

  it(`App Launch: ${WORKERS} processes share one session whose refresh token rotates; none presents a used one (checklist E3)`, async () => {
    const smartConfig = await discoverSmartConfiguration(sandbox.fhirBaseUrl);
    const { codeVerifier, codeChallenge } = await createPkcePair();
    const state = generateState();
    const nonce = generateNonce();
    const authorizeUrl = buildAuthorizeUrl({
      smartConfig,
      clientId: "fleet-app",
      redirectUri: REDIRECT_URI,
      scope: "launch/patient openid fhirUser offline_access patient/Patient.rs",
      state,
      codeChallenge,
      aud: sandbox.fhirBaseUrl,
      nonce,
    });
    const redirect = await sandbox.authorize(authorizeUrl);
    expect(redirect.searchParams.get("state")).toBe(state);
    const tokens = await exchangeCode({
      smartConfig,
      clientId: "fleet-app",
      redirectUri: REDIRECT_URI,
      code: redirect.searchParams.get("code") as string,
      codeVerifier,
      nonce,
    });
    expect(tokens.refresh_token).toBeTypeOf("string");
    const keyPrefix = randomPrefix("fleet-app");
    const storeKey = "smart:user:1";
    await new RedisTokenStore(client, { keyPrefix }).set(storeKey, tokens);

    sandbox.stats.reset();
    refused.length = 0;
    const startAt = Date.now() + 1_500;
    const results = await runFleet("app-launch-worker.mjs", WORKERS, {
      redisUrl: inject("redisUrl"),
      keyPrefix,
      storeKey,
      smartConfig: JSON.parse(JSON.stringify(smartConfig)),
      fhirBaseUrl: sandbox.fhirBaseUrl,
      clientId: "fleet-app",
      startAt,
      stopAt: startAt + RUN_MS,
    });

    expect(results.flatMap((r) => r.errors)).toEqual([]);
    expect(refused).toEqual([]); // the sandbox refused nothing: no used refresh token was ever presented
    for (const r of results) expect(r.calls).toBeGreaterThan(50);
    const refreshes = sandbox.stats.tokenRequestsByGrant.refresh_token ?? 0;
    expect(sandbox.stats.tokenRequests).toBe(refreshes);
    const distinct = new Set(results.flatMap((r) => r.seen));
    // the exchanged token plus one per refresh, every one used; one refresh per expiry
    expect(distinct.size).toBeLessThanOrEqual(refreshes + 1);
    expect(distinct.size).toBeGreaterThanOrEqual(refreshes);
    expect(refreshes).toBeGreaterThanOrEqual(3);
    expect(refreshes).toBeLessThanOrEqual(Math.ceil(RUN_MS / ((LIFETIME_S * 1000 * 3) / 4)) + 1);
    const stored = await new RedisTokenStore(client, { keyPrefix }).get(storeKey);
    expect(stored?.refresh_token).toBeTypeOf("string");
    expect(stored?.refresh_token).not.toBe(tokens.refresh_token);
  }, 60_000);

  it("hot path: 10,000 cached getAuthorization calls send at most 1 Redis command", async () => {
    const keyPrefix = randomPrefix("hot");
    const auth = new BackendServicesAuth({
      fhirBaseUrl: sandbox.fhirBaseUrl,
      tokenEndpoint: sandbox.tokenEndpoint,
      clientId: "fleet",
      scope: "system/Patient.rs",
      privateKey: privateJwk as never,
      alg: "RS384",
      kid: "fleet",
      refreshMarginMs: 0,
      tokenStore: new RedisTokenStore(client, { keyPrefix }),
    });
    const url = `${sandbox.fhirBaseUrl}/Patient`;
    const first = await auth.getAuthorization({ url, method: "GET" });
    expect(first).toMatch(/^Bearer /);

    const monitor = await client.monitor();
    let commands = 0;
    monitor.on("monitor", (_time: string, args: string[]) => {
      if (args.some((a) => a.startsWith(keyPrefix))) commands++;
    });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 150)); // let MONITOR deliver
    let same = 0;
    for (let i = 0; i < 10_000; i++) if ((await auth.getAuthorization({ url, method: "GET" })) === first) same++;
    await settle();
    const hotPathCommands = commands;
    // the counter works: one command under the prefix is seen
    await client.exists(`${keyPrefix}probe`);
    await settle();
    monitor.disconnect();
    expect(same).toBe(10_000);
    expect(hotPathCommands).toBeLessThanOrEqual(1);
    expect(commands).toBe(hotPathCommands + 1);

    // beside the in-memory store, for scale (no assertion on speed: the counts above are the contract)
    const memory = new BackendServicesAuth({
      fhirBaseUrl: sandbox.fhirBaseUrl,
      tokenEndpoint: sandbox.tokenEndpoint,
      clientId: "fleet",
      scope: "system/Patient.rs",
      privateKey: privateJwk as never,
      alg: "RS384",
      kid: "fleet",
      tokenStore: new InMemoryTokenStore(),
    });
    expect(await memory.getAuthorization({ url, method: "GET" })).toMatch(/^Bearer /);
  }, 30_000);
});

function firstSeen(results: WorkerResult[], token: string): number {
  // the position in the global order = the smallest index any process saw it at, relative to its own list
  return Math.min(...results.map((r) => (r.seen.includes(token) ? r.seen.indexOf(token) : Number.POSITIVE_INFINITY)));
}
