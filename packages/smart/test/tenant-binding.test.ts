// SECURITY.md F11: a Backend Services token is bound to its tenant (FHIR base + token endpoint).
// Two tenants on two sandboxes share one client id and one key, as a vendor app serving many EHRs does.
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { registerBackendClient } from "@fhir-dsl/smart-sandbox/testing";
import { InMemoryTokenStore, type StoredToken } from "@fhir-dsl/token-store";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  BackendServicesAuth,
  SmartAuthError,
  clearDiscoveryCache,
  type BackendServicesAuthOptions,
} from "../src/index.js";
import { BINDING_FIELD, backendStoreKey, tenantBoundStore } from "../src/tenant-binding.js";
import { startTenantFront, type TenantFront } from "./support/tenant-proxy.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SCOPE = "system/Patient.rs";

let a: Sandbox;
let b: Sandbox;
let front: TenantFront;
let privateKey: CryptoKey;

beforeAll(async () => {
  [a, b] = await Promise.all([startSandbox({ port: 0 }), startSandbox({ port: 0 })]);
  // one vendor app, one client id, one key, registered at both tenants
  const vendor = await registerBackendClient(a, { clientId: "vendor", kid: "vendor-1", scope: SCOPE });
  await b.registerClient({ clientId: "vendor", jwks: vendor.jwks, scope: SCOPE });
  privateKey = vendor.privateKey;
  front = await startTenantFront(b.url);
});
afterAll(async () => {
  await front.close();
  await Promise.all([a.close(), b.close()]);
});
beforeEach(() => {
  clearDiscoveryCache();
  a.stats.reset();
  b.stats.reset();
  front.seen.length = 0;
  front.tokenEndpoint = undefined;
});
afterEach(() => vi.restoreAllMocks());

const tenantA = (extra: Partial<BackendServicesAuthOptions> = {}) =>
  new BackendServicesAuth({
    fhirBaseUrl: a.fhirBaseUrl,
    clientId: "vendor",
    scope: SCOPE,
    privateKey,
    alg: "ES384",
    kid: "vendor-1",
    ...extra,
  });
// tenant B's FHIR base is the front's origin; its token endpoint is on the sandbox's origin (like fhir-ehr.example.com + authorization.example.com)
const tenantB = (extra: Partial<BackendServicesAuthOptions> = {}) =>
  new BackendServicesAuth({
    fhirBaseUrl: front.fhirBaseUrl,
    clientId: "vendor",
    scope: SCOPE,
    privateKey,
    alg: "ES384",
    kid: "vendor-1",
    allowedTokenEndpoints: [b.tokenEndpoint],
    ...extra,
  });

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: unknown) => (SmartAuthError.is(error) ? error.code : String(error)),
  );

describe("default store key (checklist E24, F11): FHIR base, token endpoint, client id, scope set, length-prefixed", () => {
  const oldKey = (endpoint: string, client: string, scopes: string[]) =>
    `smart:backend:${endpoint}:${client}:${[...new Set(scopes)].sort().join(" ")}`;
  // the inverse of backendStoreKey: if every key decodes to its own tuple, no two tuples share a key
  const decode = (key: string) => {
    const parts: string[] = [];
    let rest = key.slice("smart:backend:v2:".length);
    while (rest !== "") {
      const colon = rest.indexOf(":");
      const length = Number(rest.slice(0, colon));
      parts.push(rest.slice(colon + 1, colon + 1 + length));
      rest = rest.slice(colon + 1 + length);
    }
    return parts;
  };
  const part = fc.string({ unit: fc.constantFrom("a", ":", " ", "1", "/", "é", "😀"), maxLength: 8 });

  it("decodes back to its tuple for any parts, including ':' and digits (so the encoding is injective)", () => {
    fc.assert(
      fc.property(part, part, part, fc.array(part, { maxLength: 4 }), (base, endpoint, client, scopes) => {
        expect(decode(backendStoreKey(base, endpoint, client, scopes))).toEqual([
          base,
          endpoint,
          client,
          ...[...new Set(scopes)].sort(),
        ]);
      }),
      { numRuns: RUNS },
    );
  });

  it("tuples that collided under the old `endpoint:client:scopes` key get different keys", () => {
    let collisions = 0;
    fc.assert(
      fc.property(part, part, part, fc.array(part, { maxLength: 3 }), (endpoint, head, tail, scopes) => {
        // move a ':'-joined piece from the client id into the endpoint: same old key, different tuple
        const [e1, c1] = [endpoint, `${head}:${tail}`];
        const [e2, c2] = [`${endpoint}:${head}`, tail];
        expect(oldKey(e1, c1, scopes)).toBe(oldKey(e2, c2, scopes));
        collisions++;
        expect(backendStoreKey("https://fhir.example/r4", e1, c1, scopes)).not.toBe(
          backendStoreKey("https://fhir.example/r4", e2, c2, scopes),
        );
      }),
      { numRuns: RUNS },
    );
    expect(collisions).toBe(RUNS);
  });

  it("two FHIR bases with one token endpoint, client and scopes get two keys (the old key left the base out)", () => {
    const key = (base: string) => backendStoreKey(base, "https://auth.example/token", "vendor", [SCOPE]);
    expect(key("https://fhir.example/tenant-a")).not.toBe(key("https://fhir.example/tenant-b"));
  });

  it("the scope set is sorted and de-duplicated: order and repeats do not matter", () => {
    const key = (scopes: string[]) => backendStoreKey("https://f", "https://t", "c", scopes);
    expect(key(["b", "a", "b"])).toBe(key(["a", "b"]));
    expect(key(["a b"])).not.toBe(key(["a", "b"]));
  });
});

describe("token endpoint policy (F11): same origin as the FHIR base, pinned, or allow-listed; refused before signing", () => {
  it("a hostile discovery document naming tenant A's token endpoint: refused, nothing signed, no request to any token endpoint", async () => {
    front.tokenEndpoint = a.tokenEndpoint;
    const sign = vi.spyOn(crypto.subtle, "sign");
    for (const auth of [tenantB(), tenantB({ allowedTokenEndpoints: undefined })]) {
      const error = await auth.getAccessToken().catch((e: unknown) => e);
      expect(SmartAuthError.is(error) && error.code).toBe("untrusted_token_endpoint");
      expect((error as Error).message).toContain(a.tokenEndpoint);
      expect((error as Error).message).toMatch(/allowedTokenEndpoints.*tokenEndpoint/);
      expect(
        await code(Promise.resolve(auth.getAuthorization({ url: `${front.fhirBaseUrl}/Patient`, method: "GET" }))),
      ).toBe("untrusted_token_endpoint");
      expect(await code(auth.fetch(`${front.fhirBaseUrl}/Patient`))).toBe("untrusted_token_endpoint");
    }
    expect(sign).not.toHaveBeenCalled();
    expect(a.stats.tokenRequests + b.stats.tokenRequests).toBe(0);
    expect(front.seen).toEqual([]);
  });

  it("a `smartConfig` passed in is held to the same rule (it may come from the hostile tenant's discovery)", async () => {
    const smartConfig = {
      token_endpoint: a.tokenEndpoint,
      capabilities: [],
      grant_types_supported: ["client_credentials"],
    } as never;
    expect(await code(tenantB({ smartConfig }).getAccessToken())).toBe("untrusted_token_endpoint");
    expect(a.stats.tokenRequests).toBe(0);
  });

  it("an endpoint on another origin works when listed in allowedTokenEndpoints or pinned with tokenEndpoint, and not otherwise", async () => {
    expect(await code(tenantB({ allowedTokenEndpoints: undefined }).getAccessToken())).toBe("untrusted_token_endpoint");
    expect(b.stats.tokenRequests).toBe(0);
    const listed = tenantB();
    expect((await listed.fetch(`${front.fhirBaseUrl}/Patient`)).status).toBe(200);
    const pinned = tenantB({ allowedTokenEndpoints: undefined, tokenEndpoint: b.tokenEndpoint });
    expect((await pinned.fetch(`${front.fhirBaseUrl}/Patient`)).status).toBe(200);
    expect(b.stats.tokenRequests).toBe(2);
    expect(front.seen.map((s) => s.status)).toEqual([200, 200]);
  });

  it("an endpoint on the FHIR base's own origin needs no option (the sandbox serves both on one origin)", async () => {
    expect((await tenantA().fetch(`${a.fhirBaseUrl}/Patient`)).status).toBe(200);
    expect(a.stats.tokenRequests).toBe(1);
  });

  it("misuse: allowedTokenEndpoints that is not a list of absolute URLs is a TypeError at construction", () => {
    expect(() => tenantB({ allowedTokenEndpoints: "https://auth.example/token" as never })).toThrow(TypeError);
    expect(() => tenantB({ allowedTokenEndpoints: ["/token"] })).toThrow(TypeError);
    expect(() => tenantB({ allowedTokenEndpoints: [1] as never })).toThrow(/allowedTokenEndpoints/);
  });
});

describe("a stored token is bound to its tenant (F11): never served under another FHIR base, even through a shared store", () => {
  it("a storeKey shared by mistake: tenant B ignores A's stored token, reports it, gets its own; B never receives A's token", async () => {
    const store = new InMemoryTokenStore();
    const errors: SmartAuthError[] = [];
    const aToken = await tenantA({ tokenStore: store, storeKey: "shared" }).getAccessToken();
    expect(((await store.get("shared")) as StoredToken)[BINDING_FIELD]).toEqual({
      fhirBase: a.fhirBaseUrl,
      tokenEndpoint: a.tokenEndpoint,
    });
    const auth = tenantB({ tokenStore: store, storeKey: "shared", onStoreError: (e) => errors.push(e) });
    expect((await auth.fetch(`${front.fhirBaseUrl}/Patient`)).status).toBe(200);
    expect(await auth.getAccessToken()).not.toBe(aToken);
    expect(b.stats.tokenRequests).toBe(1);
    expect(front.seen.map((s) => s.authorization)).not.toContain(`Bearer ${aToken}`);
    // reported on each read of the foreign token (before and under the refresh lease)
    expect(errors.length).toBeGreaterThan(0);
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(["token_store_error"]));
    expect(errors[0]!.message).toContain(a.fhirBaseUrl);
    expect(JSON.stringify(errors[0]) + errors[0]!.message).not.toContain(aToken);
  });

  it("a warm process holding A's token and a cold tenant B on the same store and key: B's requests carry only B's tokens", async () => {
    const store = new InMemoryTokenStore();
    const warmA = tenantA({ tokenStore: store, storeKey: "shared" });
    const aToken = await warmA.getAccessToken();
    const coldB = tenantB({ tokenStore: store, storeKey: "shared" });
    for (let i = 0; i < 3; i++) expect((await coldB.fetch(`${front.fhirBaseUrl}/Patient`)).status).toBe(200);
    // A is still served from memory and never sees B's token either
    expect(warmA.getAuthorization({ url: `${a.fhirBaseUrl}/Patient`, method: "GET" })).toBe(`Bearer ${aToken}`);
    expect(front.seen.length).toBe(3);
    expect(front.seen.every((s) => s.authorization !== `Bearer ${aToken}` && s.status === 200)).toBe(true);
  });

  it("tokens stored without a tenant (an older release, or written by hand) are not used", async () => {
    const store = new InMemoryTokenStore();
    const planted = {
      access_token: "planted-token",
      token_type: "Bearer",
      expires_in: 300,
      expires_at: Date.now() + 300_000,
    };
    await store.set("k", planted);
    const auth = tenantB({ tokenStore: store, storeKey: "k" });
    expect(await auth.getAccessToken()).not.toBe("planted-token");
    await store.set("k", {
      ...planted,
      [BINDING_FIELD]: { fhirBase: front.fhirBaseUrl, tokenEndpoint: a.tokenEndpoint },
    });
    expect(await tenantB({ tokenStore: store, storeKey: "k" }).getAccessToken()).not.toBe("planted-token");
    expect(b.stats.tokenRequests).toBe(2);
  });

  it("the default keys of two tenants differ, so a shared store never even offers A's token to B", async () => {
    const store = new InMemoryTokenStore();
    const keys: string[] = [];
    const spy = {
      ...store,
      get: (k: string) => (keys.push(k), store.get(k)),
      set: (k: string, v: StoredToken) => store.set(k, v),
      delete: (k: string) => store.delete(k),
    };
    await tenantA({ tokenStore: spy }).getAccessToken();
    await tenantB({ tokenStore: spy }).getAccessToken();
    expect(new Set(keys).size).toBe(2);
    expect(keys[0]).toContain(a.fhirBaseUrl);
    expect(keys[1]).toContain(front.fhirBaseUrl);
  });
});

describe("the class, not the example (F11): generated endpoints and bindings", () => {
  const FHIR = "https://fhir-ehr.example.com/r4/t1";
  const ALLOWED = "https://authorization.example.com/tenants/t1/token";
  const nearMisses = [
    "https://authorization.example.com/tenants/t2/token", // another tenant on the shared authorization host
    `${ALLOWED}/`,
    `${ALLOWED}?tenant=t1`,
    `${ALLOWED}#x`,
    "https://authorization.example.com:8443/tenants/t1/token",
    "https://authorization.example.com./tenants/t1/token",
    "https://fhir-ehr.example.com.evil.test/token",
    "https://fhir-ehr.example.com@evil.test/token",
    "https://evil.test/https://fhir-ehr.example.com/token",
    "https://fhir-ehr.example.com:8443/token",
    "not a url",
    "",
  ];
  const endpoints = fc.oneof(
    fc.constantFrom(...nearMisses),
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
  );

  it("every token endpoint that is neither on the FHIR base's origin nor listed is refused: no request, nothing signed", async () => {
    const sign = vi.spyOn(crypto.subtle, "sign");
    let requests = 0;
    const fetchSpy = (async () => {
      requests++;
      return new Response("{}", { status: 500 });
    }) as typeof fetch;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(endpoints, async (endpoint) => {
        const parsed = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
        fc.pre(parsed?.origin !== new URL(FHIR).origin && parsed?.href !== ALLOWED);
        const auth = new BackendServicesAuth({
          fhirBaseUrl: FHIR,
          allowedTokenEndpoints: [ALLOWED],
          smartConfig: { token_endpoint: endpoint } as never,
          clientId: "vendor",
          scope: SCOPE,
          privateKey,
          alg: "ES384",
          fetch: fetchSpy,
        });
        expect(await code(auth.getAccessToken())).toBe("untrusted_token_endpoint");
        refused++;
      }),
      { numRuns: RUNS },
    );
    expect(refused).toBeGreaterThan(RUNS / 2);
    expect(requests).toBe(0);
    expect(sign).not.toHaveBeenCalled();
  });

  it("the listed endpoint (in any spelling that is the same URL) and same-origin endpoints are accepted", async () => {
    let requests = 0;
    const fetchSpy = (async () => {
      requests++;
      return Response.json({ access_token: "t", token_type: "Bearer", expires_in: 300 });
    }) as typeof fetch;
    for (const endpoint of [
      ALLOWED,
      "https://AUTHORIZATION.example.com:443/tenants/t1/token",
      "https://fhir-ehr.example.com/auth/token",
      "https://fhir-ehr.example.com:443/token",
    ]) {
      const auth = new BackendServicesAuth({
        fhirBaseUrl: FHIR,
        allowedTokenEndpoints: [ALLOWED],
        smartConfig: { token_endpoint: endpoint } as never,
        clientId: "vendor",
        scope: SCOPE,
        privateKey,
        alg: "ES384",
        fetch: fetchSpy,
      });
      expect(await auth.getAccessToken()).toBe("t");
    }
    expect(requests).toBe(4);
  });

  it("a stored token whose binding differs in any way (other base, other endpoint, trailing slash, case, missing parts) is never returned", async () => {
    const mine = { fhirBase: FHIR, tokenEndpoint: ALLOWED };
    const part = fc.oneof(
      fc.constantFrom(
        FHIR,
        ALLOWED,
        `${FHIR}/`,
        FHIR.toUpperCase(),
        `${ALLOWED}/`,
        "https://fhir-ehr.example.com/r4/t2",
      ),
      fc.webUrl(),
    );
    const bindings = fc.oneof(
      fc.record({ fhirBase: part, tokenEndpoint: part }),
      fc.constantFrom(undefined, null, "x", 42, {}, { fhirBase: FHIR }, { tokenEndpoint: ALLOWED }, [FHIR, ALLOWED]),
    );
    await fc.assert(
      fc.asyncProperty(bindings, async (binding) => {
        fc.pre(
          !(
            typeof binding === "object" &&
            binding !== null &&
            (binding as { fhirBase?: unknown }).fhirBase === FHIR &&
            (binding as { tokenEndpoint?: unknown }).tokenEndpoint === ALLOWED
          ),
        );
        const inner = new InMemoryTokenStore();
        await inner.set("k", { access_token: "foreign", token_type: "Bearer", [BINDING_FIELD]: binding });
        const reports: SmartAuthError[] = [];
        expect(await tenantBoundStore(inner, mine, (e) => reports.push(e)).get("k")).toBeUndefined();
        expect(reports.map((e) => e.code)).toEqual(["token_store_error"]);
        expect(reports[0]!.message).not.toContain("foreign");
      }),
      { numRuns: RUNS },
    );
    const inner = new InMemoryTokenStore();
    await inner.set("k", { access_token: "mine", token_type: "Bearer", [BINDING_FIELD]: mine });
    expect((await tenantBoundStore(inner, mine, () => undefined).get("k"))?.access_token).toBe("mine");
  });
});
