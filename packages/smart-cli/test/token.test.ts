import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { registerBackendClient } from "@fhir-dsl/smart-sandbox/testing";
import { generateKeyPair, SignJWT } from "jose";
import { brokenServer } from "./support/broken-server.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { json, run } from "./support/cli.js";

let sandbox: Sandbox;
let dir: string;
let pemFile: string;
let jwkFile: string;
let privateD: string;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  dir = tmpdir();
  const es = await registerBackendClient(sandbox, {
    clientId: "cli-es384",
    kid: "es-1",
    scope: "system/Patient.rs system/Observation.rs",
  });
  const rs = await registerBackendClient(sandbox, {
    clientId: "cli-rs384",
    alg: "RS384",
    kid: "rs-1",
    scope: "system/*.rs",
  });
  pemFile = join(dir, `smart-cli-es384-${process.pid}.pem`);
  jwkFile = join(dir, `smart-cli-rs384-${process.pid}.jwk`);
  await writeFile(pemFile, es.privateKeyPem, { mode: 0o600 });
  privateD = String(rs.privateJwk.d);
  await writeFile(jwkFile, JSON.stringify(rs.privateJwk), { mode: 0o600 });
});
afterAll(() => sandbox.close());

// Every access token and client assertion that crosses the wire, read from the real requests and responses.
const secrets: string[] = [];
beforeEach(() => {
  sandbox.faults.reset();
  secrets.length = 0;
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const body = init?.body;
    if (body instanceof URLSearchParams || typeof body === "string") {
      const assertion = new URLSearchParams(body.toString()).get("client_assertion");
      if (assertion) secrets.push(assertion, ...assertion.split("."));
    }
    const response = await realFetch(input, init);
    if (String(input instanceof Request ? input.url : input) === sandbox.tokenEndpoint && response.ok) {
      const token = ((await response.clone().json()) as { access_token?: string }).access_token;
      if (token) secrets.push(token);
    }
    return response;
  });
});
afterEach(() => vi.restoreAllMocks());

const expectNoSecret = (text: string) => {
  expect(secrets.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(text.includes(secret), "a token or assertion was printed").toBe(false);
  expect(text.includes(privateD)).toBe(false);
};

describe("smart token: Backend Services against the sandbox", () => {
  it("PEM PKCS#8 ES384 key: prints the granted scopes explained and the lifetime, never the token", async () => {
    const r = await run([
      "token",
      "--fhir-base",
      sandbox.fhirBaseUrl,
      "--client-id",
      "cli-es384",
      "--key",
      pemFile,
      "--kid",
      "es-1",
      "--scope",
      "system/Patient.rs system/Observation.rs",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/token granted to cli-es384 \(Bearer, expires in 5 minutes\)/);
    expect(r.stdout).toMatch(/system\/Patient\.rs +read and search Patient resources as the client itself/);
    expect(r.stdout).toMatch(/granted exactly what was requested/);
    expect(r.stdout).toMatch(/the access token is opaque/);
    expect(r.stdout).toMatch(/--print-token shows it/);
    expectNoSecret(r.stdout + r.stderr);
  });

  it("JWK RS384 key with kid and alg from the file; --json valid against the schema and without the token", async () => {
    const r = await run([
      "token",
      "--fhir-base",
      sandbox.fhirBaseUrl,
      "--client-id",
      "cli-rs384",
      "--key",
      jwkFile,
      "--json",
    ]);
    expect(r.code).toBe(0);
    const out = json(r);
    expect(out).toMatchObject({
      command: "token",
      ok: true,
      clientId: "cli-rs384",
      requestedScope: "system/*.rs",
      grantedScope: "system/*.rs",
      tokenType: "Bearer",
      accessTokenFormat: "opaque",
    });
    expect(out.expiresIn).toBeGreaterThan(290);
    expect(out).not.toHaveProperty("accessToken");
    expectNoSecret(r.stdout + r.stderr);
  });

  it("a narrowed grant is shown as narrowed (checklist E1)", async () => {
    sandbox.faults.narrowScope("system/Patient.rs");
    const r = await run([
      "token",
      "--fhir-base",
      sandbox.fhirBaseUrl,
      "--client-id",
      "cli-es384",
      "--key",
      pemFile,
      "--kid",
      "es-1",
      "--scope",
      "system/Patient.rs system/Observation.rs",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dropped: +system\/Observation\.rs was not granted/);
    expectNoSecret(r.stdout + r.stderr);
  });

  it("--print-token prints it (so the scans above would catch a leak)", async () => {
    const r = await run([
      "token",
      "--fhir-base",
      sandbox.fhirBaseUrl,
      "--client-id",
      "cli-rs384",
      "--key",
      jwkFile,
      "--print-token",
    ]);
    expect(r.code).toBe(0);
    const token = secrets.at(-1) ?? "";
    expect(token.length).toBeGreaterThan(10);
    expect(r.stdout).toContain(token);
    const out = json(
      await run([
        "token",
        "--fhir-base",
        sandbox.fhirBaseUrl,
        "--client-id",
        "cli-rs384",
        "--key",
        jwkFile,
        "--print-token",
        "--json",
      ]),
    );
    expect(out.accessToken).toBe(secrets.at(-1));
  });

  it("a refused client (wrong kid): exit 1, one error line with a hint, no stack unless --debug, no assertion printed", async () => {
    const r = await run([
      "token",
      "--fhir-base",
      sandbox.fhirBaseUrl,
      "--client-id",
      "cli-es384",
      "--key",
      pemFile,
      "--kid",
      "wrong",
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines[0]).toMatch(/^error smart token: .*token_endpoint_error/);
    expect(lines[1]).toMatch(/^hint {2}check the client id, the key id/);
    expect(lines).toHaveLength(2);
    expectNoSecret(r.stdout + r.stderr);
    const debug = await run([
      "token",
      "--fhir-base",
      sandbox.fhirBaseUrl,
      "--client-id",
      "cli-es384",
      "--key",
      pemFile,
      "--kid",
      "wrong",
      "--debug",
    ]);
    expect(debug.stderr).toMatch(/\n {4}at /);
    expectNoSecret(debug.stdout + debug.stderr);
  });

  it("--json on failure: an error object valid against the schema", async () => {
    const r = await run([
      "token",
      "--fhir-base",
      sandbox.fhirBaseUrl,
      "--client-id",
      "nobody",
      "--key",
      pemFile,
      "--kid",
      "es-1",
      "--json",
    ]);
    expect(r.code).toBe(1);
    expect(json(r)).toMatchObject({ ok: false, error: { code: "token_endpoint_error" } });
  });

  it("usage errors exit 2: missing options, a bad --alg, a PEM without --kid, a key of the wrong type", async () => {
    const base = ["token", "--fhir-base", sandbox.fhirBaseUrl, "--client-id", "x"];
    expect((await run(["token", "--client-id", "x", "--key", pemFile])).code).toBe(2);
    expect((await run([...base])).stderr).toMatch(/--key is required/);
    expect((await run([...base, "--key", pemFile, "--alg", "HS256", "--kid", "k"])).code).toBe(2);
    const noKid = await run([...base, "--key", pemFile]);
    expect(noKid.code).toBe(2);
    expect(noKid.stderr).toMatch(/pass --kid/);
    const wrongAlg = await run([...base, "--key", pemFile, "--alg", "RS384", "--kid", "k"]);
    expect(wrongAlg.code).toBe(1);
    expect(wrongAlg.stderr).toMatch(/cannot sign RS384/);
    const junk = join(dir, `smart-cli-junk-${process.pid}.pem`);
    await writeFile(junk, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
    const bad = await run([...base, "--key", junk, "--kid", "k"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/holds no usable private key/);
    expect(bad.stderr).not.toMatch(/not a key/);
  });

  it("a JWT access token: its header and claims are shown (times in words), the token and the assertion are not", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const accessToken = await new SignJWT({ scope: "system/Patient.rs", client_id: "cli-es384" })
      .setProtectedHeader({ alg: "ES256", kid: "as-1", typ: "at+jwt" })
      .setIssuer("https://as.example")
      .setExpirationTime(exp)
      .sign(privateKey);
    const bodies: string[] = [];
    const server = await brokenServer({
      smart: (o) => ({
        token_endpoint: `${o}/auth/token`,
        capabilities: ["client-confidential-asymmetric"],
        code_challenge_methods_supported: ["S256"],
        grant_types_supported: ["client_credentials"],
        token_endpoint_auth_signing_alg_values_supported: ["ES384"],
      }),
      token: {
        response: { access_token: accessToken, token_type: "Bearer", expires_in: 3600, scope: "system/Patient.rs" },
        bodies,
      },
    });
    try {
      const r = await run([
        "token",
        "--fhir-base",
        server.fhirBaseUrl,
        "--client-id",
        "cli-es384",
        "--key",
        pemFile,
        "--kid",
        "es-1",
        "--scope",
        "system/Patient.rs",
      ]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/access token \(JWT\) header\n.*alg +ES256/);
      expect(r.stdout).toMatch(/typ +at\+jwt/);
      expect(r.stdout).toMatch(/iss +https:\/\/as\.example/);
      expect(r.stdout).toMatch(/exp +\d+ {2}\S+ \(in 1 hour\)/);
      const assertion = new URLSearchParams(bodies[0]).get("client_assertion") ?? "";
      expect(assertion.split(".")).toHaveLength(3);
      for (const secret of [accessToken, ...accessToken.split(".").slice(1), assertion, ...assertion.split(".")])
        expect(r.stdout + r.stderr).not.toContain(secret);
      const out = json(
        await run([
          "token",
          "--fhir-base",
          server.fhirBaseUrl,
          "--client-id",
          "cli-es384",
          "--key",
          pemFile,
          "--kid",
          "es-1",
          "--scope",
          "system/Patient.rs",
          "--json",
        ]),
      );
      expect(out).toMatchObject({
        accessTokenFormat: "jwt",
        accessTokenJwt: { header: { alg: "ES256" }, claims: { iss: "https://as.example", exp } },
      });
      expect(JSON.stringify(out)).not.toContain(accessToken);
    } finally {
      await server.close();
    }
  });
});
