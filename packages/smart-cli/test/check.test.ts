import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brokenServer, closedPort } from "./support/broken-server.js";
import { json, run } from "./support/cli.js";

let sandbox: Sandbox;
let good: Record<string, unknown>;
let openid: Record<string, unknown>;
let jwks: Record<string, unknown>;

/** The sandbox's documents with its origin replaced by `origin`, so a copy served elsewhere is self-consistent. */
const rebase = <T>(doc: T, origin: string): T => JSON.parse(JSON.stringify(doc).replaceAll(sandbox.url, origin)) as T;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  good = (await (await fetch(`${sandbox.fhirBaseUrl}/.well-known/smart-configuration`)).json()) as Record<
    string,
    unknown
  >;
  openid = (await (await fetch(`${sandbox.issuer}/.well-known/openid-configuration`)).json()) as Record<
    string,
    unknown
  >;
  jwks = (await (await fetch(sandbox.jwksUri)).json()) as Record<string, unknown>;
});
afterAll(() => sandbox.close());

type Check = { id: string; status: string; reason: string; spec: string };
const checksOf = (out: Record<string, unknown>) => new Map((out.checks as Check[]).map((c) => [c.id, c]));

/** Runs `smart check --json` against a copy of the sandbox's documents broken by `mutate`. */
async function checkBroken(
  mutate: (doc: Record<string, unknown>, origin: string) => Record<string, unknown>,
  extra: { cors?: boolean; jwks?: Record<string, unknown>; openid?: (o: string) => Record<string, unknown> } = {},
) {
  const server = await brokenServer({
    smart: (origin) => mutate(rebase(good, origin), origin),
    openid: extra.openid ?? ((origin) => rebase(openid, origin)),
    jwks: extra.jwks ?? jwks,
    cors: extra.cors ?? true,
  });
  try {
    const r = await run(["check", server.fhirBaseUrl, "--json", "--timeout", "3000"]);
    return { r, out: json(r), checks: checksOf(json(r)) };
  } finally {
    await server.close();
  }
}

describe("smart check against the sandbox", () => {
  it("passes: no FAIL, exit 0, every check with a spec link", async () => {
    const r = await run(["check", sandbox.fhirBaseUrl, "--json"]);
    expect(r.code).toBe(0);
    const out = json(r);
    const checks = checksOf(out);
    expect([...checks.values()].filter((c) => c.status === "FAIL")).toEqual([]);
    for (const id of [
      "discovery",
      "pkce-s256",
      "https",
      "issuer",
      "openid-consistent",
      "jwks",
      "cors-token",
      "capability-statement",
      "asymmetric-algs",
    ]) {
      expect(checks.get(id)?.status, id).toBe("PASS");
    }
    expect(checks.get("required-fields")?.status).toMatch(/PASS|WARN/);
    for (const c of checks.values())
      expect(c.spec).toMatch(/^https:\/\/hl7\.org\/fhir\/smart-app-launch\/[a-z-]+\.html/);
    expect(out.summary).toMatchObject({ fail: 0 });
  });

  it("prints one line per check with PASS/WARN/FAIL and a summary", async () => {
    const r = await run(["check", sandbox.fhirBaseUrl]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}PASS {2}PKCE S256 advertised: code_challenge_methods_supported: S256$/m);
    expect(r.stdout).toMatch(/^ {2}PASS {2}CORS preflight on the token endpoint/m);
    expect(r.stdout).toMatch(/\d+ pass, \d+ warn, 0 fail, \d+ skipped$/m);
  });
});

describe("smart check: the right FAIL for each broken configuration", () => {
  it("a copy of the sandbox's documents served elsewhere passes (the harness breaks nothing by itself)", async () => {
    const { r, checks } = await checkBroken((doc) => doc);
    expect(r.code).toBe(0);
    expect([...checks.values()].filter((c) => c.status === "FAIL")).toEqual([]);
  });

  it("missing S256: pkce-s256 FAIL, discovery refused, exit 1", async () => {
    for (const methods of [[], ["plain"], ["s256"], undefined]) {
      const { r, checks } = await checkBroken((doc) => ({ ...doc, code_challenge_methods_supported: methods }));
      expect(r.code, JSON.stringify(methods)).toBe(1);
      expect(checks.get("pkce-s256")).toMatchObject({
        status: "FAIL",
        reason: expect.stringMatching(/S256/),
        spec: expect.stringMatching(/#considerations-for-pkce-support$/),
      });
      expect(checks.get("discovery")?.status).toBe("FAIL");
    }
  });

  it("plain listed beside S256: pkce-s256 FAIL (must not include plain)", async () => {
    const { r, checks } = await checkBroken((doc) => ({ ...doc, code_challenge_methods_supported: ["S256", "plain"] }));
    expect(r.code).toBe(1);
    expect(checks.get("pkce-s256")).toMatchObject({ status: "FAIL", reason: expect.stringMatching(/plain/) });
  });

  it("an http endpoint on a non-loopback host: https FAIL naming the field, for every endpoint field and many hosts", async () => {
    const fields = [
      "authorization_endpoint",
      "token_endpoint",
      "jwks_uri",
      "introspection_endpoint",
      "revocation_endpoint",
      "registration_endpoint",
      "management_endpoint",
    ];
    const hosts = [
      "ehr.example.com",
      "10.0.0.7",
      "[2001:db8::1]",
      "localhost.example.com",
      "127.0.0.1.nip.io",
      "192.168.1.1:8080",
    ];
    for (const [i, field] of fields.entries()) {
      const host = hosts[i % hosts.length];
      const { r, checks } = await checkBroken((doc) => ({ ...doc, [field]: `http://${host}/oauth/x` }));
      expect(r.code, field).toBe(1);
      expect(checks.get("https"), field).toMatchObject({
        status: "FAIL",
        reason: expect.stringContaining(`${field} (http://${host}/oauth/x)`),
        spec: expect.stringMatching(/#app-protection$/),
      });
    }
  });

  it("https and loopback http endpoints pass the https check", async () => {
    const { checks } = await checkBroken((doc) => ({
      ...doc,
      management_endpoint: "https://ehr.example.com/manage",
      registration_endpoint: "http://localhost:9/register",
    }));
    expect(checks.get("https")?.status).toBe("PASS");
  });

  it("an unreachable JWKS: jwks FAIL saying unreachable, exit 1", async () => {
    const port = await closedPort();
    const jwksUri = `http://127.0.0.1:${port}/jwks`;
    const { r, checks } = await checkBroken((doc) => ({ ...doc, jwks_uri: jwksUri }), {
      openid: (o) => ({ ...rebase(openid, o), jwks_uri: jwksUri }),
    });
    expect(r.code).toBe(1);
    expect(checks.get("jwks")).toMatchObject({
      status: "FAIL",
      reason: expect.stringMatching(new RegExp(`${jwksUri} unreachable`)),
    });
  });

  it("a JWKS without usable keys, or with private key material: jwks FAIL", async () => {
    for (const keys of [
      { keys: [] },
      { keys: [{ kty: "RSA", n: "AQAB", e: "AQAB", use: "enc" }] },
      { nokeys: true },
      { keys: [{ ...(jwks.keys as object[])[0], d: "AAAA" }] },
    ]) {
      const { r, checks } = await checkBroken((doc) => doc, { jwks: keys });
      expect(r.code, JSON.stringify(keys)).toBe(1);
      expect(checks.get("jwks")?.status).toBe("FAIL");
    }
  });

  it("the OpenID configuration names another issuer: issuer FAIL; another jwks_uri: openid-consistent FAIL", async () => {
    const a = await checkBroken((doc) => doc, { openid: (o) => ({ ...rebase(openid, o), issuer: `${o}/auth/` }) });
    expect(a.r.code).toBe(1);
    expect(a.checks.get("issuer")).toMatchObject({
      status: "FAIL",
      reason: expect.stringMatching(/is not .* exactly/),
    });
    const b = await checkBroken((doc) => doc, {
      openid: (o) => ({ ...rebase(openid, o), jwks_uri: `${o}/other-jwks` }),
    });
    expect(b.r.code).toBe(1);
    expect(b.checks.get("openid-consistent")).toMatchObject({
      status: "FAIL",
      reason: expect.stringMatching(/jwks_uri/),
    });
  });

  it("no CORS on the token endpoint: cors-token WARN only (exit 0)", async () => {
    const { r, checks } = await checkBroken((doc) => doc, { cors: false });
    expect(checks.get("cors-token")).toMatchObject({
      status: "WARN",
      reason: expect.stringMatching(/Access-Control-Allow-Origin/),
    });
    expect(r.code).toBe(0);
  });

  it("required fields missing: required-fields FAIL naming them", async () => {
    const { r, checks } = await checkBroken(({ grant_types_supported: _g, jwks_uri: _j, ...doc }) => doc);
    expect(r.code).toBe(1);
    expect(checks.get("required-fields")).toMatchObject({
      status: "FAIL",
      reason: "missing: grant_types_supported, jwks_uri",
    });
  });

  it("asymmetric clients listed without RS384/ES384: asymmetric-algs FAIL", async () => {
    const { r, checks } = await checkBroken((doc) => ({
      ...doc,
      token_endpoint_auth_signing_alg_values_supported: ["RS256"],
    }));
    expect(r.code).toBe(1);
    expect(checks.get("asymmetric-algs")?.status).toBe("FAIL");
  });

  it("a legacy CapabilityStatement that disagrees: capability-statement WARN", async () => {
    const server = await brokenServer({
      smart: (o) => rebase(good, o),
      openid: (o) => rebase(openid, o),
      jwks,
      cors: true,
      metadata: (o) => ({
        resourceType: "CapabilityStatement",
        rest: [
          {
            security: {
              extension: [
                {
                  url: "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                  extension: [{ url: "token", valueUri: `${o}/old/token` }],
                },
              ],
            },
          },
        ],
      }),
    });
    try {
      const checks = checksOf(json(await run(["check", server.fhirBaseUrl, "--json"])));
      expect(checks.get("capability-statement")).toMatchObject({
        status: "WARN",
        reason: expect.stringMatching(/token vs token_endpoint/),
      });
    } finally {
      await server.close();
    }
  });

  it("a plain-http FHIR base on a non-loopback host: https FAIL without any request (checklist 2.1)", async () => {
    for (const base of ["http://ehr.example.com/fhir", "http://10.1.2.3:8080/r4", "http://[2001:db8::2]/fhir"]) {
      const r = await run(["check", base, "--json"]);
      expect(r.code, base).toBe(1);
      const checks = checksOf(json(r));
      expect(checks.get("discovery")?.reason, base).toMatch(/discovery_insecure_url/);
      expect(checks.get("https"), base).toMatchObject({ status: "FAIL", reason: expect.stringMatching(/plain http/) });
    }
  });

  it("nothing listening at all: discovery FAIL, the rest SKIP, exit 1", async () => {
    const port = await closedPort();
    const r = await run(["check", `http://127.0.0.1:${port}/fhir`, "--json"]);
    expect(r.code).toBe(1);
    const checks = checksOf(json(r));
    expect(checks.get("discovery")).toMatchObject({
      status: "FAIL",
      reason: expect.stringMatching(/discovery_network/),
    });
    expect([...checks.values()].slice(1).every((c) => c.status === "SKIP")).toBe(true);
  });
});
