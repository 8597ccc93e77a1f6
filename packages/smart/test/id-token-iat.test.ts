import fc from "fast-check";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { SmartAuthError, verifyIdToken, type SmartConfiguration } from "../src/index.js";

const ISS = "https://ehr.example/auth";
const JWKS = "https://ehr.example/auth/jwks";
const CLIENT = "my-app";
const NOW = 1_800_000_000; // seconds, a fixed clock
const es256 = await generateKeyPair("ES256");
const keys = [{ ...(await exportJWK(es256.publicKey)), kid: "k1", alg: "ES256" }];
const fetchJwks = (async () =>
  new Response(JSON.stringify({ keys }), {
    headers: { "content-type": "application/json" },
  })) as unknown as typeof fetch;
const smartConfig = { issuer: ISS, jwks_uri: JWKS, token_endpoint: `${ISS}/token` } as SmartConfiguration;
const opts = { smartConfig, clientId: CLIENT, fetch: fetchJwks, now: () => NOW * 1000 };

const sign = (iat: number) =>
  new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: "k1" })
    .setIssuer(ISS)
    .setSubject("u")
    .setAudience(CLIENT)
    .setIssuedAt(iat)
    .setExpirationTime(NOW + 300)
    .sign(es256.privateKey);

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => "accepted",
    (e: unknown) => (SmartAuthError.is(e) ? `${e.code}: ${e.message}` : `untyped: ${String(e)}`),
  );

// OIDC Core §3.1.3.7 (10): "The iat Claim can be used to reject tokens that were issued too far away from the current time"
describe("id_token iat bounds (checklist 7.1)", () => {
  it("refuses an iat beyond the clock leeway in the future, and one older than the maximum age, whatever the offset", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -10 * 365 * 86_400, max: 10 * 365 * 86_400 }), async (offset) => {
        const result = await outcome(verifyIdToken(await sign(NOW + offset), opts));
        if (offset > 60) expect(result).toBe('invalid_id_token: id_token rejected: "iat" is in the future');
        else if (offset < -3600)
          expect(result).toBe('invalid_id_token: id_token rejected: "iat" is too far in the past');
        else expect(result).toBe("accepted");
      }),
      { numRuns: 200 },
    );
  });

  it("accepts the edges and refuses one second beyond them", async () => {
    expect(await outcome(verifyIdToken(await sign(NOW + 60), opts))).toBe("accepted");
    expect(await outcome(verifyIdToken(await sign(NOW - 3600), opts))).toBe("accepted");
    expect(await outcome(verifyIdToken(await sign(NOW + 61), opts))).toMatch(/in the future/);
    expect(await outcome(verifyIdToken(await sign(NOW - 3601), opts))).toMatch(/too far in the past/);
  });

  it("takes configurable bounds: clockToleranceSeconds for the future, maxIatAgeSeconds for the past", async () => {
    expect(await outcome(verifyIdToken(await sign(NOW + 300), { ...opts, clockToleranceSeconds: 600 }))).toBe(
      "accepted",
    );
    expect(await outcome(verifyIdToken(await sign(NOW - 86_400), { ...opts, maxIatAgeSeconds: 2 * 86_400 }))).toBe(
      "accepted",
    );
    expect(await outcome(verifyIdToken(await sign(NOW - 120), { ...opts, maxIatAgeSeconds: 60 }))).toMatch(
      /too far in the past/,
    );
  });

  it("leaves iat alone when a stored id_token is re-checked after a restart (ignoreExpiry)", async () => {
    const old = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setIssuer(ISS)
      .setSubject("u")
      .setAudience(CLIENT)
      .setIssuedAt(NOW - 30 * 86_400)
      .setExpirationTime(NOW - 29 * 86_400)
      .sign(es256.privateKey);
    expect(await outcome(verifyIdToken(old, { ...opts, ignoreExpiry: true }))).toBe("accepted");
  });
});
