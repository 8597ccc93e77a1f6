/**
 * Cold start of BackendServicesAuth (BENCHMARKS.md #2, 1,000 concurrent callers): the work its first token costs
 * beyond discovery, one signed assertion and one token request (backend-services.html#obtaining-an-access-token).
 */
import { clearDiscoveryCache } from "@fhir-dsl/smart-discovery";
import { generateKeyPair } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { BackendServicesAuth, fhirBaseOf } from "../src/index.js";

const BASE = "https://ehr.example/fhir";
const TOKEN_ENDPOINT = "https://ehr.example/auth/token";
const CONFIG = {
  token_endpoint: TOKEN_ENDPOINT,
  capabilities: ["client-confidential-asymmetric"],
  code_challenge_methods_supported: ["S256"],
  grant_types_supported: ["client_credentials"],
  token_endpoint_auth_methods_supported: ["private_key_jwt"],
};
const CONFIG_TEXT = JSON.stringify(CONFIG); // serialised here, so the spy below sees only the library's copies
let privateKey: CryptoKey;
beforeAll(async () => {
  ({ privateKey } = await generateKeyPair("ES384"));
});
afterEach(() => {
  vi.restoreAllMocks();
  clearDiscoveryCache();
});

/** A server answering discovery and the token endpoint, counting requests by URL. */
function fakeServer() {
  const requests = new Map<string, number>();
  const fetch = (async (input: string | URL | Request) => {
    const url = String(input instanceof Request ? input.url : input);
    requests.set(url, (requests.get(url) ?? 0) + 1);
    if (url === `${BASE}/.well-known/smart-configuration`) return new Response(CONFIG_TEXT);
    if (url === TOKEN_ENDPOINT)
      return Response.json({ access_token: "at-1", token_type: "bearer", expires_in: 300, scope: "system/Patient.rs" });
    return new Response("not found", { status: 404 });
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

const provider = (fetch: typeof globalThis.fetch) =>
  new BackendServicesAuth({
    fhirBaseUrl: BASE,
    clientId: "c1",
    scope: "system/Patient.rs",
    privateKey,
    alg: "ES384",
    fetch,
  });

describe("BackendServicesAuth cold start (BENCHMARKS.md #2)", () => {
  it("1,000 concurrent cold callers wait on one shared promise: one discovery, one token request", async () => {
    const { fetch, requests } = fakeServer();
    const auth = provider(fetch);
    const waits = Array.from({ length: 1000 }, () => auth.getAuthorization({ url: `${BASE}/Patient`, method: "GET" }));
    expect(new Set(waits).size).toBe(1);
    expect(await Promise.all(waits)).toEqual(Array(1000).fill("Bearer at-1"));
    expect(requests.get(`${BASE}/.well-known/smart-configuration`)).toBe(1);
    expect(requests.get(TOKEN_ENDPOINT)).toBe(1);
  });

  it("keeps no JSON copy of its discovery document (nothing outside the provider sees it, so fhirBaseOf never will)", async () => {
    const stringify = vi.spyOn(JSON, "stringify");
    const { fetch } = fakeServer();
    expect(await provider(fetch).getAuthorization({ url: `${BASE}/Patient`, method: "GET" })).toBe("Bearer at-1");
    const copied = stringify.mock.calls.filter(([value]) => (value as { token_endpoint?: unknown })?.token_endpoint);
    expect(copied).toEqual([]);
    // what a caller discovers itself is still remembered (SmartClient from smartConfig alone, E21)
    const { discoverSmartConfiguration } = await import("../src/index.js");
    expect(fhirBaseOf(await discoverSmartConfiguration(BASE, { fetch }))).toBe(BASE);
  });
});
