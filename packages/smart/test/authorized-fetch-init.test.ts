/**
 * What the authorized fetch hands to `fetch` on its fast path: the parsed URL and only the init members in use.
 * undici converts every member it is given, even undefined or a default (`method: "GET"`), about 1 % of a loopback
 * request each (BENCHMARKS.md, whole request; issue 22). The token rule is unchanged (checklist E21).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuthProvider } from "../src/auth-provider.js";
import { createAuthorizedFetch } from "../src/authorized-fetch.js";
import { fhirBaseMatcher } from "../src/fhir-base.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const BASE = "https://ehr.example/fhir";
const inBase = fhirBaseMatcher(BASE);
const auth: AuthProvider = { getAuthorization: (req) => (inBase(req.url) ? "Bearer t" : undefined) };

/** A base fetch that keeps the URL and init it was called with. */
function capture() {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response("{}");
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

describe("authorized fetch: the init given to fetch (issue 22)", () => {
  it("a GET gets headers and redirect: 'manual' only: no method, no undefined body or signal", async () => {
    const c = capture();
    const f = createAuthorizedFetch(auth, { fetch: c.fetch });
    await f(`${BASE}/Patient/1`);
    await f(`${BASE}/Patient/1`, { method: "GET" });
    await f(new URL(`${BASE}/Patient/1`), {});
    for (const { url, init } of c.calls) {
      expect(url).toBe(`${BASE}/Patient/1`);
      expect(Object.keys(init).sort()).toEqual(["headers", "redirect"]);
      expect(init).toEqual({ headers: { authorization: "Bearer t" }, redirect: "manual" });
    }
  });

  it("for generated calls, each member is given exactly when in use, with the caller's value", async () => {
    const signal = new AbortController().signal;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(undefined, "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"),
        fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
        fc.boolean(),
        fc.constantFrom(`${BASE}/Patient`, "HTTPS://EHR.example/fhir/Patient", "https://other.example/x"),
        async (method, text, withSignal, url) => {
          const body = method === undefined || method === "GET" || method === "HEAD" ? undefined : text;
          const c = capture();
          const init: RequestInit = {};
          if (method !== undefined) init.method = method;
          if (body !== undefined) init.body = body;
          if (withSignal) init.signal = signal;
          await createAuthorizedFetch(auth, { fetch: c.fetch })(url, init);
          const sent = c.calls[0]!;
          // the URL parsed once, as the token decision saw it
          expect(sent.url).toBe(new URL(url).href);
          expect(sent.init.redirect).toBe("manual");
          expect("method" in sent.init).toBe(method !== undefined && method !== "GET");
          if (method !== undefined && method !== "GET") expect(sent.init.method).toBe(method);
          expect("body" in sent.init).toBe(body !== undefined);
          if (body !== undefined) expect(sent.init.body).toBe(body);
          expect("signal" in sent.init).toBe(withSignal);
          const authorization = (sent.init.headers as Record<string, string> | undefined)?.authorization;
          expect(authorization).toBe(inBase(sent.url) ? "Bearer t" : undefined);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("auth.fetch is built once per session and provider (issue 22)", () => {
  const smartConfig = {
    token_endpoint: "https://ehr.example/token",
    capabilities: [],
    grant_types_supported: ["authorization_code", "client_credentials"],
    code_challenge_methods_supported: ["S256"],
  };
  const tokens = { access_token: "t", token_type: "Bearer", expires_in: 3600 };

  it("a SmartClient and a BackendServicesAuth give the same function on every read, still calling the fetch of the moment", async () => {
    const { BackendServicesAuth, SmartClient } = await import("../src/index.js");
    const session = new SmartClient({ smartConfig, fhirBaseUrl: BASE, clientId: "app", tokens });
    const provider = new BackendServicesAuth({
      smartConfig,
      fhirBaseUrl: BASE,
      clientId: "svc",
      scope: "system/Patient.rs",
      clientAuth: { method: "client_secret_basic", clientSecret: "s" },
      allowSymmetricClientAuth: true,
    });
    for (const auth of [session, provider]) expect(auth.fetch).toBe(auth.fetch);
    // no fetch option: globalThis.fetch is looked up per call, so a later stub (tests, polyfills) is still used
    const original = globalThis.fetch;
    const c = capture();
    globalThis.fetch = c.fetch;
    try {
      await session.fetch(`${BASE}/Patient/1`);
    } finally {
      globalThis.fetch = original;
    }
    expect(c.calls).toEqual([
      { url: `${BASE}/Patient/1`, init: { headers: { authorization: "Bearer t" }, redirect: "manual" } },
    ]);
  });
});
