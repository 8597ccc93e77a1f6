import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DiscoveryError, DiscoveryErrorCode, validateSmartConfiguration } from "../src/index.js";
import { smartConfig } from "./server.js";

const BASE = "https://ehr.example.com/fhir";
const URL_ = `${BASE}/.well-known/smart-configuration`;
const good = () => smartConfig("https://ehr.example.com");

function invalid(
  document: unknown,
  options?: { strict?: boolean; allowInsecureRequests?: boolean },
  base = BASE,
): DiscoveryError {
  try {
    validateSmartConfiguration(document, base, options);
  } catch (error) {
    if (DiscoveryError.is(error)) return error;
    throw error;
  }
  throw new Error("expected a DiscoveryError");
}

describe("validateSmartConfiguration: a conformant document (checklist 1.5, 1.6)", () => {
  it("returns a copy with every known field and unknown fields kept", () => {
    const doc = {
      ...good(),
      "x-vendor": { a: 1 },
      capabilities: [...(good().capabilities as string[]), "http://sdo.example.org/new-cap"],
    };
    const config = validateSmartConfiguration(doc, BASE);
    expect(config).toEqual(doc);
    expect(config).not.toBe(doc);
    expect(config["x-vendor"]).toEqual({ a: 1 });
  });

  it("keeps plain in code_challenge_methods_supported in non-strict mode (the client still only uses S256)", () => {
    const config = validateSmartConfiguration({ ...good(), code_challenge_methods_supported: ["plain", "S256"] }, BASE);
    expect(config.code_challenge_methods_supported).toContain("S256");
  });

  it("accepts a backend-services-only document (no authorization endpoint, no launch)", () => {
    const config = validateSmartConfiguration(
      {
        token_endpoint: "https://h/token",
        capabilities: [],
        code_challenge_methods_supported: ["S256"],
        grant_types_supported: ["client_credentials"],
      },
      BASE,
    );
    expect(config.authorization_endpoint).toBeUndefined();
  });
});

describe("validateSmartConfiguration: required and conditional fields (checklist 1.5)", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["token_endpoint missing", { token_endpoint: undefined }, "token_endpoint"],
    ["capabilities missing", { capabilities: undefined }, "capabilities"],
    ["capabilities a string", { capabilities: "launch-ehr launch-standalone" }, "capabilities"],
    ["capabilities with a number", { capabilities: ["launch-ehr", 3] }, "capabilities"],
    [
      "code_challenge_methods_supported missing",
      { code_challenge_methods_supported: undefined },
      "code_challenge_methods_supported",
    ],
    [
      "code_challenge_methods_supported without S256",
      { code_challenge_methods_supported: ["plain"] },
      "code_challenge_methods_supported",
    ],
    [
      "code_challenge_methods_supported empty",
      { code_challenge_methods_supported: [] },
      "code_challenge_methods_supported",
    ],
    [
      "code_challenge_methods_supported lower-case s256",
      { code_challenge_methods_supported: ["s256"] },
      "code_challenge_methods_supported",
    ],
    [
      "authorization_endpoint missing with launch-ehr",
      { authorization_endpoint: undefined, capabilities: ["launch-ehr"] },
      "authorization_endpoint",
    ],
    [
      "authorization_endpoint missing with launch-standalone",
      { authorization_endpoint: undefined, capabilities: ["launch-standalone"] },
      "authorization_endpoint",
    ],
    ["issuer missing with sso-openid-connect", { issuer: undefined }, "issuer"],
    ["jwks_uri missing with sso-openid-connect", { jwks_uri: undefined }, "jwks_uri"],
    ["token_endpoint a number", { token_endpoint: 42 }, "token_endpoint"],
    ["issuer an object", { issuer: {} }, "issuer"],
    ["scopes_supported a string", { scopes_supported: "openid fhirUser" }, "scopes_supported"],
    [
      "grant_types_supported with null",
      { grant_types_supported: ["authorization_code", null] },
      "grant_types_supported",
    ],
    [
      "token_endpoint_auth_methods_supported an object",
      { token_endpoint_auth_methods_supported: { 0: "private_key_jwt" } },
      "token_endpoint_auth_methods_supported",
    ],
    [
      "token_endpoint_auth_signing_alg_values_supported a string",
      { token_endpoint_auth_signing_alg_values_supported: "RS384" },
      "token_endpoint_auth_signing_alg_values_supported",
    ],
    ["response_types_supported a number", { response_types_supported: 1 }, "response_types_supported"],
    ["management_endpoint an array", { management_endpoint: ["https://h/manage"] }, "management_endpoint"],
    ["user_access_brand_identifier a number", { user_access_brand_identifier: 7 }, "user_access_brand_identifier"],
    ["token_endpoint not a URL", { token_endpoint: "https://[bad" }, "token_endpoint"],
    ["authorization_endpoint javascript:", { authorization_endpoint: "javascript:alert(1)" }, "authorization_endpoint"],
    ["revocation_endpoint data:", { revocation_endpoint: "data:text/plain,x" }, "revocation_endpoint"],
    ["associated_endpoints an object", { associated_endpoints: { url: "https://h" } }, "associated_endpoints"],
    ["associated_endpoints entry a string", { associated_endpoints: ["https://h/fhir2"] }, "associated_endpoints[0]"],
    [
      "associated_endpoints entry without url",
      { associated_endpoints: [{ capabilities: [] }] },
      "associated_endpoints[0].url",
    ],
    [
      "associated_endpoints entry without capabilities",
      { associated_endpoints: [{ url: "https://h/fhir2" }] },
      "associated_endpoints[0].capabilities",
    ],
  ];
  it.each(cases)("%s → discovery_invalid_document naming the field", (_name, patch, field) => {
    const error = invalid({ ...good(), ...patch });
    expect(error).toMatchObject({ code: DiscoveryErrorCode.InvalidDocument, field, url: URL_ });
    expect(error.message).toContain(field);
  });

  it.each([null, [], "text", 42, true])("refuses a document that is not a JSON object: %j", (document) => {
    expect(invalid(document)).toMatchObject({ code: DiscoveryErrorCode.InvalidDocument, field: undefined });
  });

  it("never quotes the document's values in the message", () => {
    const error = invalid({ ...good(), token_endpoint: "javascript:SECRET_VALUE()" });
    expect(error.message).not.toContain("SECRET_VALUE");
    expect(JSON.stringify(error)).not.toContain("SECRET_VALUE");
  });
});

describe("validateSmartConfiguration: grant_types_supported defaulting (checklist 1.5)", () => {
  const base = { token_endpoint: "https://h/token", code_challenge_methods_supported: ["S256"] };
  it("defaults to authorization_code when there is an authorization endpoint", () => {
    const config = validateSmartConfiguration(
      { ...base, authorization_endpoint: "https://h/authorize", capabilities: ["launch-standalone", "client-public"] },
      BASE,
    );
    expect(config.grant_types_supported).toEqual(["authorization_code"]);
  });
  it("adds client_credentials when the server takes private_key_jwt or lists client-confidential-asymmetric", () => {
    const a = validateSmartConfiguration(
      { ...base, authorization_endpoint: "https://h/a", capabilities: ["client-confidential-asymmetric"] },
      BASE,
    );
    expect(a.grant_types_supported).toEqual(["authorization_code", "client_credentials"]);
    const b = validateSmartConfiguration(
      {
        ...base,
        authorization_endpoint: "https://h/a",
        capabilities: [],
        token_endpoint_auth_methods_supported: ["private_key_jwt"],
      },
      BASE,
    );
    expect(b.grant_types_supported).toEqual(["authorization_code", "client_credentials"]);
  });
  it("defaults to client_credentials for a token-only document", () => {
    expect(validateSmartConfiguration({ ...base, capabilities: [] }, BASE).grant_types_supported).toEqual([
      "client_credentials",
    ]);
  });
  it("is refused when missing in strict mode", () => {
    expect(invalid({ ...good(), grant_types_supported: undefined }, { strict: true })).toMatchObject({
      field: "grant_types_supported",
    });
  });
});

describe("validateSmartConfiguration: leniency and strict mode (checklist E23)", () => {
  it("drops null and empty-string optional members in non-strict mode", () => {
    const config = validateSmartConfiguration(
      { ...good(), registration_endpoint: null, management_endpoint: "", scopes_supported: null },
      BASE,
    );
    expect("registration_endpoint" in config).toBe(false);
    expect("management_endpoint" in config).toBe(false);
    expect("scopes_supported" in config).toBe(false);
  });
  it("refuses them in strict mode", () => {
    expect(invalid({ ...good(), registration_endpoint: null }, { strict: true })).toMatchObject({
      field: "registration_endpoint",
    });
    expect(invalid({ ...good(), management_endpoint: "" }, { strict: true })).toMatchObject({
      field: "management_endpoint",
    });
  });
  it("a null required member still counts as missing", () => {
    expect(invalid({ ...good(), token_endpoint: null })).toMatchObject({ field: "token_endpoint" });
  });
  it("strict mode refuses plain (SMART 2.2: SHALL NOT be listed) and relative URLs", () => {
    expect(invalid({ ...good(), code_challenge_methods_supported: ["S256", "plain"] }, { strict: true })).toMatchObject(
      {
        field: "code_challenge_methods_supported",
      },
    );
    expect(invalid({ ...good(), token_endpoint: "auth/token" }, { strict: true })).toMatchObject({
      field: "token_endpoint",
    });
  });
  it("strict mode accepts a conformant document unchanged", () => {
    expect(validateSmartConfiguration(good(), BASE, { strict: true })).toEqual(good());
  });
});

describe("validateSmartConfiguration: relative endpoints (checklist 1.4, E10)", () => {
  const doc = (token_endpoint: string) => ({
    ...good(),
    token_endpoint,
    authorization_endpoint: "authorize",
    jwks_uri: "../keys",
  });
  it('resolves "auth/token" under the FHIR base path (base plus "/")', () => {
    const config = validateSmartConfiguration(doc("auth/token"), "https://h/fhir");
    expect(config.token_endpoint).toBe("https://h/fhir/auth/token");
    expect(config.authorization_endpoint).toBe("https://h/fhir/authorize");
    expect(config.jwks_uri).toBe("https://h/keys");
  });
  it('resolves "/auth/token" against the host root', () => {
    expect(validateSmartConfiguration(doc("/auth/token"), "https://h/fhir").token_endpoint).toBe(
      "https://h/auth/token",
    );
  });
  it("gives the same result whether the base has a trailing slash or not", () => {
    for (const rel of ["auth/token", "/auth/token", "./auth/token"]) {
      expect(validateSmartConfiguration(doc(rel), "https://h/fhir/").token_endpoint).toBe(
        validateSmartConfiguration(doc(rel), "https://h/fhir").token_endpoint,
      );
    }
  });
  it("keeps absolute URLs as they are (normalised by URL)", () => {
    expect(validateSmartConfiguration(doc("https://auth.example.com/oauth2/token?x=1"), BASE).token_endpoint).toBe(
      "https://auth.example.com/oauth2/token?x=1",
    );
  });
  it("resolves associated_endpoints urls and keeps their extra members", () => {
    const config = validateSmartConfiguration(
      { ...good(), associated_endpoints: [{ url: "../dicom", capabilities: ["x"], note: "n" }] },
      "https://h/fhir/r4",
    );
    expect(config.associated_endpoints).toEqual([{ url: "https://h/fhir/dicom", capabilities: ["x"], note: "n" }]);
  });
  it("does not touch the issuer, which OIDC compares byte for byte", () => {
    expect(validateSmartConfiguration({ ...good(), issuer: "https://ehr.example.com/auth/" }, BASE).issuer).toBe(
      "https://ehr.example.com/auth/",
    );
  });
});

describe("validateSmartConfiguration: plain-http endpoints (checklist 2.1)", () => {
  it("refuses an http endpoint on a non-loopback host with discovery_insecure_url", () => {
    expect(invalid({ ...good(), token_endpoint: "http://ehr.example.com/token" })).toMatchObject({
      code: DiscoveryErrorCode.InsecureUrl,
      field: "token_endpoint",
    });
  });
  it("allows loopback hosts and allowInsecureRequests", () => {
    for (const host of ["127.0.0.1:8080", "127.9.8.7", "localhost:3000", "[::1]:9"]) {
      expect(
        validateSmartConfiguration({ ...good(), token_endpoint: `http://${host}/token` }, BASE).token_endpoint,
      ).toBe(`http://${host}/token`);
    }
    const config = validateSmartConfiguration({ ...good(), token_endpoint: "http://ehr.example.com/token" }, BASE, {
      allowInsecureRequests: true,
    });
    expect(config.token_endpoint).toBe("http://ehr.example.com/token");
  });
  it("a relative endpoint under an http loopback base stays allowed", () => {
    expect(
      validateSmartConfiguration({ ...good(), token_endpoint: "token" }, "http://127.0.0.1:1/fhir").token_endpoint,
    ).toBe("http://127.0.0.1:1/fhir/token");
  });
});

describe("validateSmartConfiguration: outside input (property)", () => {
  it("never throws anything but DiscoveryError on arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (document) => {
        try {
          validateSmartConfiguration(document, BASE);
        } catch (error) {
          expect(DiscoveryError.is(error)).toBe(true);
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it("never throws anything but DiscoveryError when known members hold arbitrary JSON", () => {
    const fields = Object.keys(good()).concat([
      "associated_endpoints",
      "registration_endpoint",
      "management_endpoint",
      "smart_app_state_endpoint",
    ]);
    const patch = fc.dictionary(
      fc.constantFrom(...fields),
      fc.oneof(fc.jsonValue(), fc.string(), fc.array(fc.string())),
    );
    fc.assert(
      fc.property(patch, fc.boolean(), (p, strict) => {
        try {
          const config = validateSmartConfiguration({ ...good(), ...p }, BASE, { strict });
          expect(typeof config.token_endpoint).toBe("string");
          expect(config.code_challenge_methods_supported).toContain("S256");
          expect(Array.isArray(config.capabilities)).toBe(true);
          expect(Array.isArray(config.grant_types_supported)).toBe(true);
        } catch (error) {
          expect(DiscoveryError.is(error)).toBe(true);
          expect(
            (error as DiscoveryError).field === undefined ||
              fields.some((f) => (error as DiscoveryError).field?.startsWith(f)),
          ).toBe(true);
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it("survives __proto__ and constructor members without polluting prototypes", () => {
    const document = JSON.parse(
      `{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},${JSON.stringify(good()).slice(1)}`,
    );
    const config = validateSmartConfiguration(document, BASE);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(config, "__proto__")).toBe(true);
  });
});
