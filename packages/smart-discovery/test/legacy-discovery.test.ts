/**
 * Legacy discovery (issue 19 item 4): a SMART v1 server has no .well-known/smart-configuration, only the
 * oauth-uris extension of its CapabilityStatement (SMART 1.0 conformance.html, as fhirclient reads it).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CAPABILITIES_EXTENSION,
  clearDiscoveryCache,
  DiscoveryError,
  DiscoveryErrorCode,
  discoverSmartConfiguration,
  OAUTH_URIS_EXTENSION,
  smartConfigurationFromCapabilityStatement,
} from "../src/index.js";
import { json, smartConfig, startServer, type TestServer } from "./server.js";

const WK = "/fhir/.well-known/smart-configuration";
let server: TestServer;

beforeEach(async () => {
  clearDiscoveryCache();
  server = await startServer();
});
afterEach(() => server.close());

/** A CapabilityStatement declaring `uris` (name -> URL) and `capabilities` the SMART v1 way. */
export function capabilityStatement(
  uris: Record<string, unknown>,
  capabilities: string[] = [],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    resourceType: "CapabilityStatement",
    status: "active",
    kind: "instance",
    fhirVersion: "4.0.1",
    rest: [
      {
        mode: "server",
        security: {
          extension: [
            {
              url: OAUTH_URIS_EXTENSION,
              extension: Object.entries(uris).map(([url, valueUri]) => ({ url, valueUri })),
            },
            ...capabilities.map((valueCode) => ({ url: CAPABILITIES_EXTENSION, valueCode })),
          ],
        },
      },
    ],
    ...extra,
  };
}

const allUris = (origin: string) => ({
  authorize: `${origin}/auth/authorize`,
  token: `${origin}/auth/token`,
  register: `${origin}/auth/register`,
  manage: `${origin}/auth/manage`,
  introspect: `${origin}/auth/introspect`,
  revoke: `${origin}/auth/revoke`,
});

async function rejection(promise: Promise<unknown>): Promise<DiscoveryError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  if (!DiscoveryError.is(error)) throw error;
  return error;
}

describe("legacy discovery: fallback on 404 (issue 19 item 4, SMART 1.0 oauth-uris)", () => {
  it("reads all six endpoints from {base}/metadata and marks the result legacy: true", async () => {
    server.route(
      "/fhir/metadata",
      json(
        capabilityStatement(allUris(server.origin), ["launch-ehr", "launch-standalone", "client-public"]),
        "application/fhir+json",
      ),
    );
    const config = await discoverSmartConfiguration(`${server.origin}/fhir`);
    expect(config).toEqual({
      authorization_endpoint: `${server.origin}/auth/authorize`,
      token_endpoint: `${server.origin}/auth/token`,
      registration_endpoint: `${server.origin}/auth/register`,
      management_endpoint: `${server.origin}/auth/manage`,
      introspection_endpoint: `${server.origin}/auth/introspect`,
      revocation_endpoint: `${server.origin}/auth/revoke`,
      capabilities: ["launch-ehr", "launch-standalone", "client-public"],
      code_challenge_methods_supported: ["S256"],
      grant_types_supported: ["authorization_code"],
      legacy: true,
    });
    expect(server.hits(WK)).toBe(1);
    expect(server.requests[1]?.url).toBe("/fhir/metadata");
    expect(server.requests[1]?.headers.accept).toContain("application/fhir+json");
  });

  it("a .well-known document wins: no metadata request, no legacy mark, and a server cannot claim the mark", async () => {
    server.route(WK, json(smartConfig(server.origin, { legacy: true })));
    server.route("/fhir/metadata", json(capabilityStatement(allUris(server.origin))));
    const config = await discoverSmartConfiguration(`${server.origin}/fhir`);
    expect(config.legacy).toBeUndefined();
    expect(server.hits("/fhir/metadata")).toBe(0);
  });

  it("only 404 falls back: 401, 403, 410, 500, 503 stay errors of the .well-known request", async () => {
    server.route("/fhir/metadata", json(capabilityStatement(allUris(server.origin))));
    for (const status of [401, 403, 410, 500, 503]) {
      server.route(WK, json({ error: "x" }, "application/json", status));
      const error = await rejection(discoverSmartConfiguration(`${server.origin}/fhir`, { cache: false }));
      expect(error).toMatchObject({ code: DiscoveryErrorCode.HttpStatus, status, url: `${server.origin}${WK}` });
    }
    expect(server.hits("/fhir/metadata")).toBe(0);
  });

  it("legacyDiscovery: false turns it off; strict turns it off by default", async () => {
    server.route("/fhir/metadata", json(capabilityStatement(allUris(server.origin))));
    for (const options of [{ legacyDiscovery: false }, { strict: true }]) {
      const error = await rejection(discoverSmartConfiguration(`${server.origin}/fhir`, { ...options, cache: false }));
      expect(error).toMatchObject({ code: DiscoveryErrorCode.HttpStatus, status: 404 });
    }
    expect(server.hits("/fhir/metadata")).toBe(0);
  });

  it("no SMART declaration, no metadata, or a non-JSON page: the .well-known 404 is the error, the attempt its cause", async () => {
    const bodies = [
      json({ resourceType: "CapabilityStatement", rest: [{ mode: "server" }] }),
      json({ resourceType: "OperationOutcome" }),
      json([1, 2]),
      json("<html>login</html>", "text/html"),
      json({ resourceType: "Patient" }, "application/json", 404),
      json({
        resourceType: "CapabilityStatement",
        rest: [
          {
            mode: "client",
            security: {
              extension: [{ url: OAUTH_URIS_EXTENSION, extension: [{ url: "token", valueUri: "https://a/t" }] }],
            },
          },
        ],
      }),
    ];
    for (const body of bodies) {
      server.route("/fhir/metadata", body);
      const error = await rejection(discoverSmartConfiguration(`${server.origin}/fhir`, { cache: false }));
      expect(error).toMatchObject({ code: DiscoveryErrorCode.HttpStatus, status: 404, url: `${server.origin}${WK}` });
      expect(error.message).toMatch(/answered HTTP 404 and its CapabilityStatement /);
      expect(error.cause).toBeDefined();
    }
  });

  it("keeps the transport rule: plain-http endpoints on a non-loopback host are refused (discovery_insecure_url)", async () => {
    server.route(
      "/fhir/metadata",
      json(capabilityStatement({ ...allUris(server.origin), token: "http://auth.example/token" })),
    );
    const error = await rejection(discoverSmartConfiguration(`${server.origin}/fhir`));
    expect(error.code).toBe(DiscoveryErrorCode.InsecureUrl);
    expect(error.url).toBe(`${server.origin}/fhir/metadata`);
    expect(error.field).toBe("rest[0].security.extension[0].extension[1].valueUri");
  });

  it("refuses a CapabilityStatement redirected outside the FHIR base (SECURITY.md F23)", async () => {
    const other = await startServer();
    try {
      other.route("/fhir/metadata", json(capabilityStatement(allUris(other.origin))));
      for (const target of [
        `${other.origin}/fhir/metadata`,
        `${server.origin}/other/metadata`,
        `${server.origin}/fhir/..;/metadata`,
      ]) {
        server.route("/fhir/metadata", (_req, res) => res.writeHead(302, { location: target }).end());
        const error = await rejection(discoverSmartConfiguration(`${server.origin}/fhir`, { cache: false }));
        expect(error.code).toBe(DiscoveryErrorCode.UntrustedRedirect);
      }
      // a redirect that stays under the base is fine
      server.route("/fhir/metadata", (_req, res) => res.writeHead(302, { location: "/fhir/metadata/json" }).end());
      server.route("/fhir/metadata/json", json(capabilityStatement(allUris(server.origin))));
      await expect(discoverSmartConfiguration(`${server.origin}/fhir`, { cache: false })).resolves.toMatchObject({
        legacy: true,
      });
    } finally {
      await other.close();
    }
  });

  it("keeps the byte cap on the CapabilityStatement (discovery_response_too_large)", async () => {
    const big = capabilityStatement(allUris(server.origin), [], { padding: "x".repeat(5000) });
    server.route("/fhir/metadata", json(big));
    const error = await rejection(discoverSmartConfiguration(`${server.origin}/fhir`, { maxResponseBytes: 4096 }));
    expect(error.code).toBe(DiscoveryErrorCode.ResponseTooLarge);
  });

  it("a server error on metadata is its own (retryable) error, not hidden behind the 404", async () => {
    server.route("/fhir/metadata", json({}, "application/json", 503));
    const error = await rejection(discoverSmartConfiguration(`${server.origin}/fhir`));
    expect(error).toMatchObject({
      code: DiscoveryErrorCode.HttpStatus,
      status: 503,
      retryable: true,
      url: `${server.origin}/fhir/metadata`,
    });
  });

  it("is cached and shared like a .well-known result", async () => {
    server.route("/fhir/metadata", json(capabilityStatement(allUris(server.origin))));
    await Promise.all([
      discoverSmartConfiguration(`${server.origin}/fhir`),
      discoverSmartConfiguration(`${server.origin}/fhir`),
    ]);
    await discoverSmartConfiguration(`${server.origin}/fhir/`);
    expect(server.hits("/fhir/metadata")).toBe(1);
  });

  it("the timeout covers both requests", async () => {
    server.route("/fhir/metadata", () => {}); // never answers
    const error = await rejection(discoverSmartConfiguration(`${server.origin}/fhir`, { timeoutMs: 200 }));
    expect(error.code).toBe(DiscoveryErrorCode.Timeout);
  });
});

describe("smartConfigurationFromCapabilityStatement: hostile CapabilityStatements -> typed errors", () => {
  const base = "https://ehr.example/fhir";
  const uris = allUris("https://auth.example");
  const invalid = (document: unknown): DiscoveryError => {
    try {
      smartConfigurationFromCapabilityStatement(document, base);
    } catch (error) {
      if (DiscoveryError.is(error)) return error;
      throw error;
    }
    throw new Error("expected a DiscoveryError");
  };
  const cs = (securityExtension: unknown) => ({
    resourceType: "CapabilityStatement",
    rest: [{ security: { extension: securityExtension } }],
  });
  const withUris = (inner: unknown) => cs([{ url: OAUTH_URIS_EXTENSION, extension: inner }]);

  it.each([
    ["rest not an array", { resourceType: "CapabilityStatement", rest: { security: {} } }, "rest"],
    ["security not an object", { resourceType: "CapabilityStatement", rest: [{ security: [1] }] }, "rest[0].security"],
    ["extension not an array", cs("x"), "rest[0].security.extension"],
    ["an extension not an object", cs([null]), "rest[0].security.extension[0]"],
    ["inner extension not an array", withUris({ token: "x" }), "rest[0].security.extension[0].extension"],
    ["an inner entry not an object", withUris([7]), "rest[0].security.extension[0].extension[0]"],
    [
      "an inner url not a string",
      withUris([{ url: 1, valueUri: "https://a/t" }]),
      "rest[0].security.extension[0].extension[0].url",
    ],
    [
      "valueUri a number",
      withUris([{ url: "token", valueUri: 5 }]),
      "rest[0].security.extension[0].extension[0].valueUri",
    ],
    [
      "valueUri empty",
      withUris([{ url: "token", valueUri: "" }]),
      "rest[0].security.extension[0].extension[0].valueUri",
    ],
    [
      "token repeated",
      withUris([
        { url: "token", valueUri: "https://a/t" },
        { url: "token", valueUri: "https://b/t" },
      ]),
      "rest[0].security.extension[0].extension[1]",
    ],
    [
      "no token",
      withUris([{ url: "authorize", valueUri: "https://a/authorize" }]),
      "rest[0].security.extension[0].extension",
    ],
    [
      "two oauth-uris extensions",
      cs([
        { url: OAUTH_URIS_EXTENSION, extension: [] },
        { url: OAUTH_URIS_EXTENSION, extension: [] },
      ]),
      "rest[0].security.extension[1]",
    ],
    ["oauth-uris without extension", cs([{ url: OAUTH_URIS_EXTENSION }]), "rest[0].security.extension[0].extension"],
    [
      "a capability not a string",
      cs([{ url: CAPABILITIES_EXTENSION, valueCode: { x: 1 } }]),
      "rest[0].security.extension[0].valueCode",
    ],
    [
      "a javascript: endpoint",
      withUris([{ url: "token", valueUri: "javascript:alert(1)" }]),
      "rest[0].security.extension[0].extension[0].valueUri",
    ],
    [
      "launch-ehr without authorize",
      cs([
        { url: OAUTH_URIS_EXTENSION, extension: [{ url: "token", valueUri: "https://a/t" }] },
        { url: CAPABILITIES_EXTENSION, valueCode: "launch-ehr" },
      ]),
      "rest[0].security.extension[0].extension",
    ],
  ])("%s -> discovery_invalid_document naming the field", (_name, document, field) => {
    const error = invalid(document);
    expect(error.code).toBe(DiscoveryErrorCode.InvalidDocument);
    expect(error.field).toBe(field);
    expect(error.url).toBe(`${base}/metadata`);
  });

  it("no SMART declaration at all is a typed error too", () => {
    for (const document of [
      null,
      3,
      "x",
      [],
      {},
      { resourceType: "Patient" },
      { resourceType: "CapabilityStatement" },
      cs([]),
    ]) {
      expect(invalid(document).code).toBe(DiscoveryErrorCode.InvalidDocument);
    }
  });

  it("accepts DSTU2 Conformance and valueUrl, resolves relative URLs against the base, drops sso-openid-connect", () => {
    const document = {
      resourceType: "Conformance",
      rest: [
        {
          security: {
            extension: [
              { url: CAPABILITIES_EXTENSION, valueCode: "sso-openid-connect" },
              { url: CAPABILITIES_EXTENSION, valueCode: "launch-standalone" },
              {
                url: OAUTH_URIS_EXTENSION,
                extension: [
                  { url: "authorize", valueUrl: "auth/authorize" },
                  { url: "token", valueUri: uris.token },
                  { url: "other", valueUri: 1 },
                ],
              },
            ],
          },
        },
      ],
    };
    expect(smartConfigurationFromCapabilityStatement(document, base)).toEqual({
      authorization_endpoint: `${base}/auth/authorize`,
      token_endpoint: uris.token,
      capabilities: ["launch-standalone"],
      code_challenge_methods_supported: ["S256"],
      grant_types_supported: ["authorization_code"],
      legacy: true,
    });
  });

  it("a token-only declaration serves backend services (grant client_credentials)", () => {
    const config = smartConfigurationFromCapabilityStatement(withUris([{ url: "token", valueUri: uris.token }]), base);
    expect(config.grant_types_supported).toEqual(["client_credentials"]);
  });

  it("a long extension list is read in linear time (100,000 entries under 200 ms)", () => {
    const many = cs([
      ...Array.from({ length: 100_000 }, (_, i) => ({ url: `x${i}` })),
      { url: OAUTH_URIS_EXTENSION, extension: [{ url: "token", valueUri: uris.token }] },
    ]);
    const started = performance.now();
    expect(smartConfigurationFromCapabilityStatement(many, base).token_endpoint).toBe(uris.token);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it("deep nesting and huge arrays elsewhere in the document are not walked (linear time)", () => {
    let deep: unknown = {};
    for (let i = 0; i < 5000; i++) deep = { extension: [deep] };
    const document = {
      ...withUris([{ url: "token", valueUri: uris.token }]),
      text: deep,
      resource: Array.from({ length: 100_000 }, (_, i) => ({ type: `T${i}` })),
    };
    const started = performance.now();
    expect(smartConfigurationFromCapabilityStatement(document, base).legacy).toBe(true);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
