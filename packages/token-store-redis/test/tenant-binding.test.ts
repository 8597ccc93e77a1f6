/**
 * SECURITY.md F11 on real parts: two tenants (two sandboxes = two FHIR bases, each its own token endpoint,
 * one client id and key registered at both), one shared RedisTokenStore, and tenant B's discovery document
 * turned hostile (naming tenant A's token endpoint). No token of A ever reaches B: not in a fresh process
 * (a child process, cold) and not in a warm one (this process, already holding A's token).
 */
import {
  BackendServicesAuth,
  SmartAuthError,
  clearDiscoveryCache,
  type BackendServicesAuthOptions,
} from "@fhir-dsl/smart";
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { registerBackendClient } from "@fhir-dsl/smart-sandbox/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { startTenantFront, type TenantFront } from "../../smart/test/support/tenant-proxy.js";
import { RedisTokenStore } from "../src/index.js";
import { ensureBuilt, runFleet } from "./fleet.js";
import { randomPrefix, sharedClient } from "./helpers.js";

const SCOPE = "system/Patient.rs";
let a: Sandbox;
let b: Sandbox;
let front: TenantFront;
let privateJwk: Record<string, unknown>;
let privateKey: CryptoKey;
const client = sharedClient();

interface TenantWorkerResult {
  statuses: number[];
  errors: string[];
  seen: string[];
  storeErrors: string[];
}

beforeAll(async () => {
  ensureBuilt();
  [a, b] = await Promise.all([startSandbox({ port: 0 }), startSandbox({ port: 0 })]);
  // one vendor app, one client id, one key, registered at both tenants
  const vendor = await registerBackendClient(a, { clientId: "vendor", kid: "vendor-1", scope: SCOPE });
  await b.registerClient({ clientId: "vendor", jwks: vendor.jwks, scope: SCOPE });
  privateKey = vendor.privateKey;
  privateJwk = vendor.privateJwk as Record<string, unknown>;
  front = await startTenantFront(b.url);
}, 60_000);
afterAll(async () => {
  client.disconnect();
  await front?.close();
  await Promise.all([a?.close(), b?.close()]);
});
beforeEach(() => {
  clearDiscoveryCache();
  a.stats.reset();
  b.stats.reset();
  front.seen.length = 0;
  front.tokenEndpoint = undefined;
});

const store = (keyPrefix: string) => new RedisTokenStore(client, { keyPrefix });
const tenantA = (keyPrefix: string, extra: Partial<BackendServicesAuthOptions> = {}) =>
  new BackendServicesAuth({
    fhirBaseUrl: a.fhirBaseUrl,
    clientId: "vendor",
    scope: SCOPE,
    privateKey,
    alg: "ES384",
    kid: "vendor-1",
    tokenStore: store(keyPrefix),
    ...extra,
  });
const tenantB = (keyPrefix: string, extra: Partial<BackendServicesAuthOptions> = {}) =>
  new BackendServicesAuth({
    fhirBaseUrl: front.fhirBaseUrl,
    allowedTokenEndpoints: [b.tokenEndpoint],
    clientId: "vendor",
    scope: SCOPE,
    privateKey,
    alg: "ES384",
    kid: "vendor-1",
    tokenStore: store(keyPrefix),
    ...extra,
  });
/** Tenant B in a fresh child process over the same Redis. */
const freshB = async (keyPrefix: string, storeKey?: string) =>
  (
    (await runFleet("tenant-worker.mjs", 1, {
      redisUrl: inject("redisUrl"),
      keyPrefix,
      storeKey,
      fhirBaseUrl: front.fhirBaseUrl,
      allowedTokenEndpoints: [b.tokenEndpoint],
      clientId: "vendor",
      scope: SCOPE,
      privateJwk,
      kid: "vendor-1",
      requests: 3,
    })) as unknown as TenantWorkerResult[]
  )[0]!;

const noTokenOfA = (aTokens: string[]) => {
  expect(front.seen.length).toBeGreaterThan(0);
  for (const { authorization, status } of front.seen) {
    expect(aTokens.map((t) => `Bearer ${t}`)).not.toContain(authorization);
    expect(status).toBe(200);
  }
};

describe("two tenants, one shared Redis store (F11)", () => {
  for (const storeKey of [undefined, "smart:vendor:shared-by-mistake"]) {
    const how = storeKey ? "one storeKey shared by mistake" : "default keys";
    it(`${how}: a fresh process of B, then a warm process holding A's token, never send A's token to B`, async () => {
      const prefix = randomPrefix("tenants");
      const warmA = tenantA(prefix, storeKey ? { storeKey } : {});
      const aToken = await warmA.getAccessToken();
      expect(a.stats.tokenRequests).toBe(1);

      const fresh = await freshB(prefix, storeKey);
      expect(fresh.errors).toEqual([]);
      expect(fresh.statuses).toEqual([200, 200, 200]);
      expect(fresh.seen).not.toContain(aToken);
      // a foreign token under a shared key is reported (token_store_error), never used
      expect(fresh.storeErrors.every((code) => code === "token_store_error")).toBe(true);
      if (storeKey) expect(fresh.storeErrors.length).toBeGreaterThan(0);

      const warmB = tenantB(prefix, storeKey ? { storeKey } : {});
      for (let i = 0; i < 3; i++) expect((await warmB.fetch(`${front.fhirBaseUrl}/Patient`)).status).toBe(200);
      expect(await warmB.getAccessToken()).not.toBe(aToken);
      expect(warmA.getAuthorization({ url: `${a.fhirBaseUrl}/Patient`, method: "GET" })).toBe(`Bearer ${aToken}`);
      noTokenOfA([aToken]);
      expect(a.stats.tokenRequests).toBe(1);
    });
  }

  it("B's discovery document names A's token endpoint: refused in a fresh and a warm process; A's endpoint never asked, B never gets A's token", async () => {
    front.tokenEndpoint = a.tokenEndpoint;
    const prefix = randomPrefix("hostile");
    for (const storeKey of [undefined, "smart:vendor:shared-by-mistake"]) {
      const fresh = await freshB(prefix, storeKey);
      expect(fresh.errors).toEqual([
        "untrusted_token_endpoint",
        "untrusted_token_endpoint",
        "untrusted_token_endpoint",
      ]);
      expect(fresh.seen).toEqual([]);

      // warm: this process already holds A's token, in the same store (and, by mistake, under the same key)
      const warmA = tenantA(prefix, storeKey ? { storeKey } : {});
      const aToken = await warmA.getAccessToken();
      a.stats.reset();
      const hostileB = tenantB(prefix, storeKey ? { storeKey } : {});
      const error = await hostileB.fetch(`${front.fhirBaseUrl}/Patient`).catch((e: unknown) => e);
      expect(SmartAuthError.is(error) && error.code).toBe("untrusted_token_endpoint");
      expect(await hostileB.getAccessToken().catch((e: SmartAuthError) => e.code)).toBe("untrusted_token_endpoint");
      expect(warmA.getAuthorization({ url: `${a.fhirBaseUrl}/Patient`, method: "GET" })).toBe(`Bearer ${aToken}`);
      expect(a.stats.tokenRequests).toBe(0);
    }
    expect(b.stats.tokenRequests).toBe(0);
    expect(front.seen).toEqual([]);
  });
});
