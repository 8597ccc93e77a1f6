/**
 * Fuzz (issue 19 item 4): the CapabilityStatement read by legacy discovery is outside input. Any document
 * yields a validated `legacy: true` configuration or a DiscoveryError; any answer to `{base}/metadata` after a
 * 404 on .well-known likewise; a valid SMART v1 declaration is always accepted. FUZZ_RUNS sets the cases
 * per target (default 300; `pnpm fuzz`: 100,000).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CAPABILITIES_EXTENSION,
  DiscoveryError,
  discoverSmartConfiguration,
  OAUTH_URIS_EXTENSION,
  smartConfigurationFromCapabilityStatement,
  type SmartConfiguration,
} from "../src/index.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const testTimeout = Math.max(30_000, RUNS * 5);
const NAMES = ["authorize", "token", "register", "manage", "introspect", "revoke"];
const MEMBERS = [
  "authorization_endpoint",
  "token_endpoint",
  "registration_endpoint",
  "management_endpoint",
  "introspection_endpoint",
  "revocation_endpoint",
];

const urlish = fc.oneof(
  fc.webUrl({ withQueryParameters: true }),
  fc.constantFrom(
    "token",
    "/auth/token",
    "//evil.example/t",
    "http://evil.example/t",
    "http://127.0.0.1:1/t",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "",
    "https://",
  ),
  fc.string({ maxLength: 20 }),
);
const anyValue = fc.oneof(urlish, fc.constant(null), fc.integer(), fc.boolean(), fc.jsonValue({ maxDepth: 2 }));
const uriEntry = fc.record(
  {
    url: fc.oneof({ arbitrary: fc.constantFrom(...NAMES), weight: 5 }, anyValue),
    valueUri: fc.oneof({ arbitrary: urlish, weight: 4 }, anyValue),
    valueUrl: anyValue,
  },
  { requiredKeys: ["url"] },
);
const securityExtension = fc.oneof(
  {
    arbitrary: fc.record({
      url: fc.constant(OAUTH_URIS_EXTENSION),
      extension: fc.oneof({ arbitrary: fc.array(uriEntry, { maxLength: 8 }), weight: 5 }, anyValue),
    }),
    weight: 4,
  },
  fc.record({
    url: fc.constant(CAPABILITIES_EXTENSION),
    valueCode: fc.oneof(
      fc.constantFrom("launch-ehr", "launch-standalone", "sso-openid-connect", "client-public"),
      anyValue,
    ),
  }),
  anyValue,
);
const rest = fc.record(
  {
    mode: fc.constantFrom("server", "client", undefined, 3),
    security: fc.oneof(
      {
        arbitrary: fc.record({
          extension: fc.oneof({ arbitrary: fc.array(securityExtension, { maxLength: 5 }), weight: 5 }, anyValue),
        }),
        weight: 5,
      },
      anyValue,
    ),
  },
  { requiredKeys: [] },
);
const capabilityStatement = fc.oneof(
  {
    arbitrary: fc.record(
      {
        resourceType: fc.constantFrom("CapabilityStatement", "Conformance", "Patient"),
        rest: fc.oneof({ arbitrary: fc.array(rest, { maxLength: 3 }), weight: 5 }, anyValue),
      },
      { requiredKeys: ["resourceType"] },
    ),
    weight: 6,
  },
  fc.jsonValue({ maxDepth: 4 }),
  fc.anything({ maxDepth: 2 }),
);

function expectUsable(config: SmartConfiguration): void {
  expect(config.legacy).toBe(true);
  expect(typeof config.token_endpoint).toBe("string");
  expect(config.capabilities).not.toContain("sso-openid-connect");
  for (const member of MEMBERS) {
    const value = config[member];
    if (value === undefined) continue;
    const url = new URL(value as string);
    if (url.protocol !== "https:")
      expect(url.protocol === "http:" && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname)).toBe(true);
  }
}
function expectTyped(error: unknown): void {
  if (!DiscoveryError.is(error)) throw error;
  expect(error.code).toMatch(/^discovery_/);
}

describe(`fuzz: CapabilityStatements for legacy discovery (${RUNS} cases per target)`, () => {
  it("smartConfigurationFromCapabilityStatement: any document gives a legacy configuration or a DiscoveryError", {
    timeout: testTimeout,
  }, () => {
    fc.assert(
      fc.property(capabilityStatement, (document) => {
        try {
          expectUsable(smartConfigurationFromCapabilityStatement(document, "https://fhir.example/r4"));
        } catch (error) {
          expectTyped(error);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  it("discoverSmartConfiguration: any answer to {base}/metadata after a 404 is a legacy configuration or a DiscoveryError", {
    timeout: testTimeout,
  }, async () => {
    const body = fc.oneof(
      capabilityStatement.map((d) => JSON.stringify(d) ?? "null"),
      fc.constantFrom("<html>", "", "{", "\uFEFF{}"),
      fc.string({ unit: "binary", maxLength: 100 }),
    );
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom(200, 200, 200, 301, 401, 404, 500),
        fc.constantFrom("ok", "ok", "throw", "hang"),
        async (text, status, behaviour) => {
          const fetchImpl = (async (url: string, init?: RequestInit) => {
            if (url.endsWith("/smart-configuration")) return new Response("not found", { status: 404 });
            if (behaviour === "throw") throw new TypeError("fetch failed");
            if (behaviour === "hang")
              return new Promise<Response>((_, reject) =>
                init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
              );
            return new Response(status === 301 ? null : text, {
              status,
              headers: { "content-type": "application/fhir+json" },
            });
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

  it("every valid SMART v1 declaration is accepted with its endpoints", { timeout: testTimeout }, () => {
    const host = fc.domain().map((d) => `https://${d}`);
    const declaration = fc.record({
      endpoints: fc.subarray(NAMES.filter((n) => n !== "token")),
      origin: host,
      capabilities: fc.subarray(["launch-standalone", "client-public", "permission-v1"]),
    });
    let accepted = 0;
    fc.assert(
      fc.property(declaration, ({ endpoints, origin, capabilities }) => {
        const names = ["token", ...endpoints];
        // SMART 2.2 conformance.html#metadata: launch-standalone needs an authorization endpoint
        if (!endpoints.includes("authorize")) capabilities = capabilities.filter((c) => c !== "launch-standalone");
        const document = {
          resourceType: "CapabilityStatement",
          rest: [
            {
              mode: "server",
              security: {
                extension: [
                  { url: OAUTH_URIS_EXTENSION, extension: names.map((url) => ({ url, valueUri: `${origin}/${url}` })) },
                  ...capabilities.map((valueCode) => ({ url: CAPABILITIES_EXTENSION, valueCode })),
                ],
              },
            },
          ],
        };
        const config = smartConfigurationFromCapabilityStatement(document, "https://fhir.example/r4");
        expectUsable(config);
        for (const name of names) expect(config[MEMBERS[NAMES.indexOf(name)]!]).toBe(new URL(`${origin}/${name}`).href);
        accepted++;
      }),
      { numRuns: RUNS },
    );
    expect(accepted).toBe(RUNS);
  });
});
