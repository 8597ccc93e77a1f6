import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, run } from "./support/cli.js";

let sandbox: Sandbox;
let signingJwk: JWK;
const NOW = Date.UTC(2026, 11, 3, 10, 0, 0);
const now = () => NOW;

beforeAll(async () => {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  signingJwk = { ...(await exportJWK(privateKey)), kid: "sandbox-sig" };
  sandbox = await startSandbox({ port: 0, signingKey: signingJwk });
});
afterAll(() => sandbox.close());

async function sign(claims: Record<string, unknown>, jwk: JWK = signingJwk, alg = "RS256"): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg, kid: "sandbox-sig", typ: "JWT" })
    .sign(await importJWK(jwk, alg));
}

const iat = NOW / 1000 - 60;
const claims = () => ({
  iss: sandbox.issuer,
  sub: "patient-1",
  aud: "smart-cli",
  iat,
  exp: iat + 360,
  fhirUser: `${sandbox.fhirBaseUrl}/Patient/patient-1`,
});

describe("smart decode: header and claims, times in words; --fhir-base verifies against the issuer's JWKS", () => {
  it("shows header and claims with exp/iat in words, and never the token", async () => {
    const jwt = await sign(claims());
    const r = await run(["decode", jwt], { now });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/alg +RS256/);
    expect(r.stdout).toMatch(/kid +sandbox-sig/);
    expect(r.stdout).toMatch(/exp +\d+ {2}2026-12-03T10:05:00Z \(in 5 minutes\)/);
    expect(r.stdout).toMatch(/iat +\d+ {2}2026-12-03T09:59:00Z \(1 minute ago\)/);
    expect(r.stdout).toMatch(/fhirUser +http:\/\/127\.0\.0\.1:\d+\/fhir\/Patient\/patient-1/);
    expect(r.stdout).toMatch(/not expired/);
    expect(r.stdout).not.toContain(jwt.split(".")[2]);
  });

  it("an expired token says so", async () => {
    const r = await run(["decode", await sign({ ...claims(), exp: iat - 7200 })], { now });
    expect(r.stdout).toMatch(/\(2 hours ago\)/);
    expect(r.stdout).toMatch(/^expired$/m);
  });

  it("--fhir-base: a token signed by the server's key verifies; --json valid against the schema", async () => {
    const r = await run(["decode", await sign(claims()), "--fhir-base", sandbox.fhirBaseUrl, "--json"], { now });
    expect(r.code).toBe(0);
    const out = json(r);
    expect(out.verification).toEqual({
      jwksUri: sandbox.jwksUri,
      issuer: sandbox.issuer,
      signature: "valid",
      issuerMatches: true,
    });
    expect(out.times).toMatchObject({ exp: { iso: "2026-12-03T10:05:00Z", inWords: "in 5 minutes" } });
    const text = await run(["decode", await sign(claims()), "--fhir-base", sandbox.fhirBaseUrl], { now });
    expect(text.stdout).toMatch(/signature {2}valid \(key from http:\/\/127\.0\.0\.1:\d+\/auth\/jwks\)/);
    expect(text.stdout).toMatch(/issuer {5}iss is http:\/\/127\.0\.0\.1:\d+\/auth/);
  });

  it("--fhir-base: a forged signature (another key, same kid), alg none or HS256: INVALID, exit 1", async () => {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const forged = await sign(claims(), await exportJWK(privateKey));
    const [h, p] = (await sign(claims())).split(".");
    const none = `${Buffer.from(JSON.stringify({ alg: "none", kid: "sandbox-sig" })).toString("base64url")}.${p}.`;
    const hs = await new SignJWT(claims())
      .setProtectedHeader({ alg: "HS256", kid: "sandbox-sig" })
      .sign(new TextEncoder().encode("x".repeat(32)));
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims(), sub: "someone-else" })).toString("base64url")}.${(await sign(claims())).split(".")[2]}`;
    for (const [name, jwt] of Object.entries({ forged, none, hs, tampered })) {
      const r = await run(["decode", jwt, "--fhir-base", sandbox.fhirBaseUrl, "--json"], { now });
      expect(r.code, name).toBe(1);
      expect(json(r).verification, name).toMatchObject({ signature: "invalid", reason: expect.any(String) });
    }
  });

  it("another issuer in iss is reported (signature still checked)", async () => {
    const out = json(
      await run(
        [
          "decode",
          await sign({ ...claims(), iss: "https://evil.example" }),
          "--fhir-base",
          sandbox.fhirBaseUrl,
          "--json",
        ],
        { now },
      ),
    );
    expect(out.verification).toMatchObject({ signature: "valid", issuerMatches: false });
  });

  it("not a JWT: exit 1 with a hint; no argument: exit 2", async () => {
    const r = await run(["decode", "opaque-access-token-value"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a JWT/);
    expect(r.stderr).toMatch(/hint {2}an opaque access token/);
    expect(r.stderr).not.toContain("opaque-access-token-value");
    expect((await run(["decode"])).code).toBe(2);
  });
});
