/**
 * Heap per object at scale (issue 22): a SmartClient session at most 2 KB, a BackendServicesAuth at most
 * 4 KB, each holding a cached one-hour token, the store entry excluded (a shared store that keeps nothing).
 * Before the cuts (a matcher, token client and single-flight per object, manager options copying every
 * option) they were about 3.6 KB and 5.3 KB.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { TokenStore } from "@fhir-dsl/token-store";
import { describe, expect, it } from "vitest";
import { BackendServicesAuth, SmartClient, type SmartConfiguration } from "../src/index.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const FHIR = "https://ehr.example/fhir";
const smartConfig = {
  token_endpoint: "https://ehr.example/auth/token",
  capabilities: [],
  code_challenge_methods_supported: ["S256"],
  grant_types_supported: ["client_credentials", "authorization_code"],
} as SmartConfiguration;
const nothingKept: TokenStore = {
  get: async () => undefined,
  set: async () => undefined,
  delete: async () => undefined,
};

async function heapUsed(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setTimeout(r, 10));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** Heap bytes per object for `count` objects made by `make` (after one warm-up object). */
async function bytesPer(count: number, make: (i: number) => Promise<object>): Promise<number> {
  await make(-1);
  const before = await heapUsed();
  const kept: object[] = [];
  for (let i = 0; i < count; i++) kept.push(await make(i));
  const after = await heapUsed();
  expect(kept).toHaveLength(count);
  return (after - before) / count;
}

describe("memory per object at scale (issue 22)", () => {
  it("a SmartClient session with a cached token takes at most 2 KB of heap (2,000 sessions)", async () => {
    const per = await bytesPer(2_000, async (i) => {
      const smart = new SmartClient({
        smartConfig,
        fhirBaseUrl: FHIR,
        clientId: "app",
        tokenStore: nothingKept,
        storeKey: `smart:user-${i}`,
        tokens: {
          access_token: `at-user-${i}`,
          refresh_token: `rt-${i}`,
          token_type: "Bearer",
          expires_in: 3600,
          scope: "launch/patient patient/*.rs",
          patient: `p${i}`,
        },
      });
      expect(await smart.getAuthorization({ url: `${FHIR}/Patient/p${i}`, method: "GET" })).toBe(`Bearer at-user-${i}`);
      return smart;
    });
    expect(per).toBeLessThanOrEqual(2_048);
  });

  it("a BackendServicesAuth with a cached token takes at most 4 KB of heap (1,500 providers)", async () => {
    const { privateKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, false, ["sign"]);
    const tokenEndpoint = (async () =>
      new Response(JSON.stringify({ access_token: "at-backend", token_type: "bearer", expires_in: 3600 }), {
        headers: { "content-type": "application/json" },
      })) as typeof fetch;
    const per = await bytesPer(1_500, async (i) => {
      const auth = new BackendServicesAuth({
        fhirBaseUrl: FHIR,
        smartConfig,
        clientId: `svc-${i}`,
        scope: "system/Patient.rs",
        privateKey,
        alg: "ES384",
        tokenStore: nothingKept,
        fetch: tokenEndpoint,
      });
      expect(await auth.getAuthorization({ url: `${FHIR}/Patient`, method: "GET" })).toBe("Bearer at-backend");
      return auth;
    });
    expect(per).toBeLessThanOrEqual(4_096);
  }, 30_000);
});
