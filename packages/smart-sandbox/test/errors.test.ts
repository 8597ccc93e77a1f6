import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, SandboxError, SandboxErrorCode, startSandbox } from "../src/index.js";
import { authorizeUrl, REDIRECT_URI } from "./helpers.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ clients: [{ clientId: "app", redirectUris: [REDIRECT_URI] }] });
});
afterAll(() => sandbox.close());

describe("SandboxError", () => {
  it("has a stable code, a Symbol.for marker, keeps cause and hides the raw response", () => {
    const cause = new Error("inner");
    const err = new SandboxError(SandboxErrorCode.AuthorizeFailed, "failed", {
      status: 400,
      response: "<html>raw</html>",
      cause,
    });
    expect(err).toBeInstanceOf(Error);
    expect(SandboxError.is(err)).toBe(true);
    expect(SandboxError.is(new Error("x"))).toBe(false);
    expect(SandboxError.is(null)).toBe(false);
    expect(err.cause).toBe(cause);
    expect(err.response).toBe("<html>raw</html>");
    expect(Object.keys(err)).not.toContain("response");
    expect(JSON.stringify(err)).not.toContain("raw");
  });

  it("codes are snake_case; is(x, code) checks the code and works across copies of the package (Symbol.for brand)", () => {
    for (const code of Object.values(SandboxErrorCode)) expect(code).toMatch(/^sandbox_[a-z]+(_[a-z]+)*$/);
    const err = new SandboxError(SandboxErrorCode.StartFailed, "no port");
    expect(SandboxError.is(err, SandboxErrorCode.StartFailed)).toBe(true);
    expect(SandboxError.is(err, SandboxErrorCode.InvalidClient)).toBe(false);
    // what another copy of the package builds: not instanceof this class, but the same registered brand
    const foreign = Object.assign(new Error("x"), {
      code: SandboxErrorCode.StartFailed,
      [Symbol.for("@fhir-dsl/smart-sandbox/SandboxError")]: true,
    });
    expect(foreign instanceof SandboxError).toBe(false);
    expect(SandboxError.is(foreign, SandboxErrorCode.StartFailed)).toBe(true);
    for (const value of [undefined, 0, "sandbox_start_failed", { code: SandboxErrorCode.StartFailed }])
      expect(SandboxError.is(value)).toBe(false);
  });

  it("authorize() failures never reveal the code verifier, state or client secret", async () => {
    await sandbox.registerClient({
      clientId: "secret-app",
      clientSecret: "TOPSECRET-123",
      redirectUris: [REDIRECT_URI],
    });
    const { url, codeVerifier, state } = await authorizeUrl(sandbox, {
      clientId: "secret-app",
      scope: "openid",
      redirectUri: "http://127.0.0.1:1/not-registered",
    });
    const err = await sandbox.authorize(url).catch((e: unknown) => e);
    expect(SandboxError.is(err)).toBe(true);
    const text = `${String(err)} ${JSON.stringify(err)} ${(err as Error).stack}`;
    for (const secret of ["TOPSECRET-123", codeVerifier, state, url.searchParams.get("code_challenge")!]) {
      expect(text).not.toContain(secret);
    }
  });

  it("registerClient refuses client metadata oidc-provider rejects, without echoing the secret", async () => {
    const err = await sandbox
      .registerClient({ clientId: "bad", clientSecret: "VERYSECRET", redirectUris: ["not a url"] })
      .catch((e: unknown) => e);
    expect(SandboxError.is(err)).toBe(true);
    expect((err as SandboxError).code).toBe(SandboxErrorCode.InvalidClient);
    expect(SandboxError.is(err, SandboxErrorCode.InvalidClient)).toBe(true);
    expect(`${String(err)} ${JSON.stringify(err)}`).not.toContain("VERYSECRET");
  });
});

describe("registerClient misuse throws TypeError saying what to pass", () => {
  const cases: Array<[string, unknown]> = [
    ["no clientId", { redirectUris: [REDIRECT_URI] }],
    [
      "secret method without secret",
      { clientId: "a", tokenEndpointAuthMethod: "client_secret_post", redirectUris: [REDIRECT_URI] },
    ],
    ["private_key_jwt without keys", { clientId: "a", tokenEndpointAuthMethod: "private_key_jwt" }],
    ["private key in jwks", { clientId: "a", jwks: { keys: [{ kty: "EC", d: "x" }] } }],
    ["code grant without redirect URIs", { clientId: "a" }],
    ["public backend client", { clientId: "a", grantTypes: ["client_credentials"] }],
    ["unknown grant", { clientId: "a", grantTypes: ["password"], redirectUris: [REDIRECT_URI] }],
    ["both jwks and jwksUri", { clientId: "a", jwks: { keys: [{ kty: "EC" }] }, jwksUri: "http://127.0.0.1:1/j" }],
  ];
  for (const [name, input] of cases) {
    it(name, async () => {
      await expect(sandbox.registerClient(input as never)).rejects.toBeInstanceOf(TypeError);
    });
  }

  it("launch helpers refuse non-URLs and non-objects", () => {
    expect(() => sandbox.ehrLaunchUrl("not a url")).toThrow(TypeError);
    expect(() => sandbox.createLaunch("patient-1" as never)).toThrow(TypeError);
  });
});

describe("interaction endpoint", () => {
  it("an unknown or expired interaction answers an OAuth error, not a crash", async () => {
    const res = await fetch(`${sandbox.issuer}/interaction/unknown-uid`, { headers: { accept: "application/json" } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(((await res.json()) as { error: string }).error).toBeTypeOf("string");
  });
});
