/**
 * The sandbox as a SMART v1 server (issue 19 item 4): `discovery: "legacy"` / `--legacy-discovery` serve the
 * endpoints only in the CapabilityStatement; .well-known/smart-configuration answers 404.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli-main.js";
import { CAPABILITIES, type Sandbox, startSandbox } from "../src/index.js";

const OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";
const CAPS = "http://fhir-registry.smarthealthit.org/StructureDefinition/capabilities";

let legacy: Sandbox;
beforeAll(async () => {
  legacy = await startSandbox({ discovery: "legacy" });
});
afterAll(() => legacy.close());

type Extension = { url: string; valueCode?: string; extension?: { url: string; valueUri: string }[] };
async function securityExtensions(sandbox: Sandbox): Promise<Extension[]> {
  const res = await fetch(`${sandbox.fhirBaseUrl}/metadata`, { headers: { accept: "application/fhir+json" } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { rest: { security: { extension: Extension[] } }[] };
  return body.rest[0]!.security.extension;
}

describe('startSandbox({ discovery: "legacy" })', () => {
  it("answers 404 for .well-known/smart-configuration", async () => {
    const res = await fetch(`${legacy.fhirBaseUrl}/.well-known/smart-configuration`);
    expect(res.status).toBe(404);
    await res.body?.cancel();
  });

  it("declares every endpoint in metadata's oauth-uris extension, and the capabilities the SMART v1 way", async () => {
    const extensions = await securityExtensions(legacy);
    const uris = Object.fromEntries(
      extensions.find((e) => e.url === OAUTH_URIS)!.extension!.map((e) => [e.url, e.valueUri]),
    );
    expect(uris).toEqual({
      authorize: legacy.authorizationEndpoint,
      token: legacy.tokenEndpoint,
      introspect: legacy.introspectionEndpoint,
      revoke: legacy.revocationEndpoint,
    });
    expect(extensions.filter((e) => e.url === CAPS).map((e) => e.valueCode)).toEqual([...CAPABILITIES]);
  });

  it("the default still serves .well-known and no capabilities extension in metadata", async () => {
    const modern = await startSandbox();
    try {
      const res = await fetch(`${modern.fhirBaseUrl}/.well-known/smart-configuration`);
      expect(res.status).toBe(200);
      await res.body?.cancel();
      expect((await securityExtensions(modern)).filter((e) => e.url === CAPS)).toEqual([]);
    } finally {
      await modern.close();
    }
  });

  it("authorization redirects carry no iss (a SMART v1 server predates RFC 9207); the default sandbox sends it", async () => {
    const modern = await startSandbox();
    try {
      for (const [sandbox, hasIss] of [
        [legacy, false],
        [modern, true],
      ] as const) {
        await sandbox.registerClient({ clientId: "app", redirectUris: ["http://127.0.0.1/cb"] });
        const url = new URL(sandbox.authorizationEndpoint);
        const params = {
          response_type: "code",
          client_id: "app",
          redirect_uri: "http://127.0.0.1/cb",
          scope: "launch/patient patient/*.rs",
          state: "s".repeat(22),
          aud: sandbox.fhirBaseUrl,
          code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
          code_challenge_method: "S256",
        };
        for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
        const redirect = await sandbox.authorize(url.href);
        expect(redirect.searchParams.has("code")).toBe(true);
        expect(redirect.searchParams.has("iss")).toBe(hasIss);
      }
    } finally {
      await modern.close();
    }
  });

  it("refuses an unknown discovery mode with a TypeError", async () => {
    await expect(startSandbox({ discovery: "v1" as never })).rejects.toThrow(TypeError);
  });

  it("CLI --legacy-discovery starts a legacy sandbox and says so", async () => {
    const out: string[] = [];
    const sandbox = await runCli(["--port", "0", "--quiet", "--legacy-discovery"], {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
    });
    try {
      expect(out.join("\n")).toContain(`${sandbox!.fhirBaseUrl}/metadata (no .well-known/smart-configuration)`);
      const res = await fetch(`${sandbox!.fhirBaseUrl}/.well-known/smart-configuration`);
      expect(res.status).toBe(404);
      await res.body?.cancel();
    } finally {
      await sandbox?.close();
    }
  });
});
