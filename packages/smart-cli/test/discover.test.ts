import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brokenServer, closedPort } from "./support/broken-server.js";
import { json, run } from "./support/cli.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(() => sandbox.close());

describe("smart discover", () => {
  it("shows endpoints, capabilities, capability sets, grant types, auth methods and scopes of the sandbox", async () => {
    const r = await run(["discover", sandbox.fhirBaseUrl]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`token_endpoint +${sandbox.tokenEndpoint}`));
    expect(r.stdout).toMatch(new RegExp(`jwks_uri +${sandbox.jwksUri}`));
    expect(r.stdout).toMatch(/grant types +authorization_code refresh_token client_credentials/);
    expect(r.stdout).toMatch(/client auth +client_secret_basic client_secret_post private_key_jwt/);
    expect(r.stdout).toMatch(/PKCE methods +S256/);
    expect(r.stdout).toMatch(/scopes +openid fhirUser launch/);
    expect(r.stdout).toMatch(
      /capability sets\n {2}patient-access-standalone patient-access-ehr clinician-access-standalone clinician-access-ehr/,
    );
    expect(r.stdout).toMatch(
      /problems\n {2}warning management_endpoint is recommended\n +https:\/\/hl7\.org\/fhir\/smart-app-launch\/conformance\.html#metadata/,
    );
  });

  it("--json: the validated configuration, valid against the schema", async () => {
    const out = json(await run(["discover", `${sandbox.fhirBaseUrl}/`, "--json"]));
    expect(out).toMatchObject({
      command: "discover",
      ok: true,
      valid: true,
      url: `${sandbox.fhirBaseUrl}/.well-known/smart-configuration`,
    });
    expect(out.configuration).toMatchObject({
      token_endpoint: sandbox.tokenEndpoint,
      code_challenge_methods_supported: ["S256"],
    });
  });

  it("a document the library refuses: exit 1, every problem listed with its spec section", async () => {
    const server = await brokenServer({
      smart: (o) => ({
        token_endpoint: "http://ehr.example.com/token",
        authorization_endpoint: `${o}/auth/authorize`,
        capabilities: ["launch-standalone"],
        code_challenge_methods_supported: ["plain"],
        scopes_supported: null,
      }),
    });
    try {
      const r = await run(["discover", server.fhirBaseUrl, "--json"]);
      expect(r.code).toBe(1);
      const out = json(r);
      expect(out).toMatchObject({ ok: false, valid: false, configuration: null });
      const problems = out.problems as { severity: string; field?: string; message: string; spec: string }[];
      expect(problems[0]).toMatchObject({
        severity: "error",
        field: "code_challenge_methods_supported",
        message: expect.stringMatching(/^refused by the library: .*discovery_invalid_document/),
      });
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            severity: "error",
            field: "grant_types_supported",
            message: "grant_types_supported is required",
          }),
          expect.objectContaining({
            severity: "error",
            field: "code_challenge_methods_supported",
            message: "must include S256",
            spec: expect.stringMatching(/#considerations-for-pkce-support$/),
          }),
          expect.objectContaining({
            severity: "error",
            field: "code_challenge_methods_supported",
            message: "must not include plain",
          }),
          expect.objectContaining({
            severity: "error",
            field: "token_endpoint",
            message: expect.stringMatching(/plain http/),
            spec: expect.stringMatching(/#app-protection$/),
          }),
          expect.objectContaining({
            severity: "warning",
            field: "scopes_supported",
            message: expect.stringMatching(/null/),
          }),
        ]),
      );
    } finally {
      await server.close();
    }
  });

  it("an unreachable server: exit 1 with the library's error code", async () => {
    const r = await run(["discover", `http://127.0.0.1:${await closedPort()}/fhir`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/refused by the library: .* could not be reached \(discovery_network\)/);
  });

  it("plain http to a non-loopback FHIR base is refused before any request (checklist 2.1)", async () => {
    const r = await run(["discover", "http://ehr.example.com/fhir", "--json"]);
    expect(r.code).toBe(1);
    expect((json(r).problems as { message: string }[])[0]?.message).toMatch(/discovery_insecure_url/);
  });

  it("a URL that is not a FHIR base: exit 1, one line with a hint", async () => {
    const r = await run(["discover", "not a url"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error smart discover: not a url is not a usable FHIR base URL/);
    expect(r.stderr).toMatch(/hint {2}pass the FHIR base/);
  });
});
