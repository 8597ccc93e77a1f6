/**
 * Fuzz (issue 9): a smart-configuration document, and the FHIR base it comes from (an EHR launch `iss`),
 * are outside input. Any document yields a validated configuration or a DiscoveryError; any server answer
 * to discoverSmartConfiguration likewise, within the timeout. FUZZ_RUNS sets the cases per target
 * (default 300; `pnpm fuzz`: 100,000).
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  DiscoveryError,
  discoverSmartConfiguration,
  validateSmartConfiguration,
  type SmartConfiguration,
} from "../src/index.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const testTimeout = Math.max(30_000, RUNS * 5);
const ENDPOINTS = [
  "authorization_endpoint",
  "token_endpoint",
  "registration_endpoint",
  "management_endpoint",
  "introspection_endpoint",
  "revocation_endpoint",
  "jwks_uri",
  "user_access_brand_bundle",
  "smart_app_state_endpoint",
];

const urlish = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    "token",
    "/auth/token",
    "../token",
    "//evil.example/token",
    "http://evil.example/token",
    "http://127.0.0.1:1/t",
    "javascript:alert(1)",
    "data:text/plain,x",
    "file:///etc/passwd",
    "",
    " ",
    "https://",
    "https://[::1]/t",
    "https://user:pw@h.example/t",
    "ftp://h/t",
    "%",
    "\u0000",
  ),
  fc.string({ maxLength: 40 }),
);
const stringList = fc.array(
  fc.oneof(
    fc.constantFrom(
      "S256",
      "plain",
      "launch-ehr",
      "launch-standalone",
      "sso-openid-connect",
      "client-public",
      "authorization_code",
      "client_credentials",
      "private_key_jwt",
      "RS384",
      "ES384",
    ),
    fc.string({ maxLength: 10 }),
  ),
  { maxLength: 6 },
);
const fieldValue = fc.oneof(
  urlish,
  stringList,
  fc.constant(null),
  fc.constant(""),
  fc.integer(),
  fc.boolean(),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constant(undefined),
);

const VALID = {
  issuer: "https://auth.example",
  jwks_uri: "https://auth.example/jwks",
  authorization_endpoint: "https://auth.example/authorize",
  token_endpoint: "https://auth.example/token",
  capabilities: ["launch-ehr", "launch-standalone", "client-public", "sso-openid-connect"],
  code_challenge_methods_supported: ["S256"],
  grant_types_supported: ["authorization_code"],
};
const FIELDS = [
  ...Object.keys(VALID),
  ...ENDPOINTS,
  "token_endpoint_auth_methods_supported",
  "scopes_supported",
  "associated_endpoints",
  "__proto__",
  "constructor",
];
const associated = fc.array(
  fc.record(
    { url: fc.oneof(urlish, fieldValue), capabilities: fc.oneof(stringList, fieldValue) },
    { requiredKeys: [] },
  ),
  { maxLength: 3 },
);

/** A valid document with zero to four members replaced by anything, or deleted. */
const nearValid = fc
  .array(fc.tuple(fc.constantFrom(...FIELDS), fc.oneof(urlish, stringList, associated, fieldValue)), { maxLength: 4 })
  .map((changes) => {
    const doc: Record<string, unknown> = JSON.parse(JSON.stringify(VALID));
    for (const [field, value] of changes) {
      if (value === undefined) delete doc[field];
      else Object.defineProperty(doc, field, { value, enumerable: true, writable: true, configurable: true });
    }
    return doc;
  });
const anyDocument = fc.oneof(
  { arbitrary: nearValid, weight: 6 },
  fc.jsonValue({ maxDepth: 4 }),
  fc.anything({ maxDepth: 2 }),
);
const fhirBase = fc.oneof(
  { arbitrary: fc.constantFrom("https://fhir.example/r4", "https://fhir.example/r4/"), weight: 6 },
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    "https://fhir.example/r4",
    "https://fhir.example/r4/",
    "http://127.0.0.1:8080/fhir",
    "http://ehr.example/fhir",
    "https://u:p@h.example/fhir",
    "javascript:x",
    "//h/fhir",
    "",
  ),
  fc.string({ maxLength: 30 }),
);

const tally = { accepted: 0, refused: 0 };
afterAll(() =>
  console.log(`fuzz smart-discovery: ${tally.accepted} accepted, ${tally.refused} refused with DiscoveryError`),
);

function expectTyped(error: unknown): void {
  tally.refused++;
  if (!DiscoveryError.is(error)) throw error;
  expect(error.code).toMatch(/^discovery_/);
  // The message names URL, status and field, never the document.
  expect(JSON.stringify(error)).not.toContain("polluted");
}

/** What validation promises about whatever it accepts. */
function expectUsable(config: SmartConfiguration): void {
  tally.accepted++;
  expect(typeof config.token_endpoint).toBe("string");
  expect(config.code_challenge_methods_supported).toContain("S256");
  expect(Array.isArray(config.capabilities) && config.capabilities.every((c) => typeof c === "string")).toBe(true);
  for (const field of ENDPOINTS) {
    const value = (config as Record<string, unknown>)[field];
    if (value === undefined) continue;
    const url = new URL(value as string);
    expect(["https:", "http:"]).toContain(url.protocol);
    if (url.protocol === "http:") expect(url.hostname).toMatch(/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/);
  }
}

describe(`fuzz: smart-configuration documents (${RUNS} cases per target)`, () => {
  it("validateSmartConfiguration: any document and any base give a usable configuration or a DiscoveryError (checklist 1.5, E10)", {
    timeout: testTimeout,
  }, () => {
    fc.assert(
      fc.property(anyDocument, fhirBase, fc.boolean(), (document, base, strict) => {
        try {
          expectUsable(validateSmartConfiguration(document, base, { strict }));
        } catch (error) {
          expectTyped(error);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  it("discoverSmartConfiguration: any status, content type and body (HTML, BOM, truncated JSON) is a configuration or a DiscoveryError", {
    timeout: testTimeout,
  }, async () => {
    const bodyText = fc.oneof(
      anyDocument.map((d) => JSON.stringify(d) ?? "null"),
      nearValid.map((d) => `\uFEFF${JSON.stringify(d)}`),
      nearValid.map((d) => JSON.stringify(d).slice(0, -3)),
      fc.constantFrom("<!doctype html><title>Login</title>", "", "null", "[]", "{", "\u0000\u0001"),
      fc.string({ unit: "binary", maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(
        bodyText,
        fc.constantFrom(200, 200, 200, 201, 204, 301, 401, 404, 500, 502),
        fc.constantFrom("application/json", "application/json; charset=utf-8", "text/html", "text/json", ""),
        fc.constantFrom("ok", "ok", "ok", "throw", "throw-string", "body-error", "hang"),
        async (text, status, type, behaviour) => {
          const fetchImpl = (async (_url: string, init?: RequestInit) => {
            if (behaviour === "throw") throw new TypeError("fetch failed");
            if (behaviour === "throw-string") throw "socket hang up";
            if (behaviour === "hang") {
              return new Promise<Response>((_, reject) =>
                init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
              );
            }
            const noBody = status === 204 || status === 301;
            const body =
              behaviour === "body-error"
                ? new ReadableStream({ start: (c) => c.error(new Error("connection reset")) })
                : noBody
                  ? null
                  : text;
            return new Response(body, { status, headers: type ? { "content-type": type } : {} });
          }) as typeof fetch;
          try {
            expectUsable(
              await discoverSmartConfiguration("https://fhir.example/r4", {
                fetch: fetchImpl,
                cache: false,
                timeoutMs: behaviour === "hang" ? 5 : 1_000,
              }),
            );
          } catch (error) {
            expectTyped(error);
          }
        },
      ),
      { numRuns: RUNS, timeout: 2_000 },
    );
  });
});

// Issue 15 §6: an implementation that refuses everything must fail. Documents that follow SMART 2.2
// conformance.html#using-well-known (any https endpoints, any subset of the known capabilities, extra members)
// are accepted, strict or not, through the validator and through a 200 answer; every case counts.
// plain segments: what a URL policy could fairly refuse (`;`, dot segments, encoded dots) stays out of "valid"
const segments = fc
  .array(fc.stringMatching(/^[A-Za-z0-9_~-]{1,12}$/), { maxLength: 4 })
  .map((parts) => parts.map((p) => `/${p}`).join(""));
const origin = fc
  .tuple(fc.domain(), fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }))
  .map(([host, port]) => `https://${host}${port ? `:${port}` : ""}`);
const fhirBaseValid = fc
  .tuple(origin, segments, fc.boolean())
  .map(([o, path, slash]) => `${o}${path}${slash ? "/" : ""}`);
const httpsUrl = fc
  .tuple(origin, segments, fc.option(fc.stringMatching(/^[a-z]{1,8}=[\w-]{1,8}$/), { nil: undefined }))
  .map(([o, path, query]) => `${o}${path}${query ? `?${query}` : ""}`);
const validDocument = fc
  .record({
    endpoints: fc.record(
      {
        issuer: httpsUrl,
        jwks_uri: httpsUrl,
        authorization_endpoint: httpsUrl,
        token_endpoint: httpsUrl,
        introspection_endpoint: httpsUrl,
        revocation_endpoint: httpsUrl,
      },
      { requiredKeys: ["issuer", "jwks_uri", "authorization_endpoint", "token_endpoint"] },
    ),
    capabilities: fc.subarray([
      "launch-ehr",
      "launch-standalone",
      "client-public",
      "client-confidential-symmetric",
      "client-confidential-asymmetric",
      "sso-openid-connect",
      "context-ehr-patient",
      "permission-offline",
      "permission-v2",
      "authorize-post",
    ]),
    grants: fc.subarray(["refresh_token", "client_credentials"]),
    scopes: fc.array(fc.stringMatching(/^[\w/.*?=-]{1,30}$/), { maxLength: 5 }),
    extra: fc.dictionary(fc.stringMatching(/^x_[a-z]{1,10}$/), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  })
  .map(({ endpoints, capabilities, grants, scopes, extra }) => ({
    ...extra,
    ...endpoints,
    capabilities,
    code_challenge_methods_supported: ["S256"],
    grant_types_supported: ["authorization_code", ...grants],
    scopes_supported: scopes,
  }));

describe(`fuzz: valid smart-configuration documents are accepted (${RUNS} cases per target)`, () => {
  it("validateSmartConfiguration accepts every conformant document, strict or not, and keeps its endpoints", {
    timeout: testTimeout,
  }, () => {
    let accepted = 0;
    fc.assert(
      fc.property(validDocument, fhirBaseValid, fc.boolean(), (document, base, strict) => {
        const config = validateSmartConfiguration(structuredClone(document), base, { strict });
        expectUsable(config);
        expect(new URL(config.token_endpoint).href).toBe(new URL(document.token_endpoint).href);
        expect(new URL(config.authorization_endpoint!).href).toBe(new URL(document.authorization_endpoint).href);
        accepted++;
      }),
      { numRuns: RUNS },
    );
    expect(accepted).toBe(RUNS);
  });

  it("discoverSmartConfiguration accepts every conformant document served with 200 and a JSON content type", {
    timeout: testTimeout,
  }, async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        validDocument,
        fc.constantFrom("application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8"),
        async (document, type) => {
          const fetchImpl = (async () =>
            new Response(JSON.stringify(document), { status: 200, headers: { "content-type": type } })) as typeof fetch;
          expectUsable(
            await discoverSmartConfiguration("https://fhir.example/r4", {
              fetch: fetchImpl,
              cache: false,
              timeoutMs: 1_000,
            }),
          );
          accepted++;
        },
      ),
      { numRuns: RUNS },
    );
    expect(accepted).toBe(RUNS);
  });
});
