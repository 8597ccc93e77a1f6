import fc from "fast-check";
import { base64url, exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { resolveFhirUser, SmartAuthError, verifyIdToken, type SmartConfiguration } from "../src/index.js";

const ISS = "https://ehr.example/auth";
const JWKS = "https://ehr.example/auth/jwks";
const CLIENT = "my-app";

const rs256 = await generateKeyPair("RS256");
const rs384 = await generateKeyPair("RS384");
const es384 = await generateKeyPair("ES384");
const attacker = await generateKeyPair("RS256");
const keys = [
  { ...(await exportJWK(rs256.publicKey)), kid: "rs256", alg: "RS256" },
  { ...(await exportJWK(rs384.publicKey)), kid: "rs384", alg: "RS384" },
  { ...(await exportJWK(es384.publicKey)), kid: "es384", alg: "ES384" },
];
let jwksFetches = 0;
const fetchJwks = (async (url: string | URL | Request) => {
  jwksFetches++;
  if (String(url) !== JWKS) return new Response("nope", { status: 404 });
  return new Response(JSON.stringify({ keys }), { headers: { "content-type": "application/json" } });
}) as typeof fetch;
const smartConfig = { issuer: ISS, jwks_uri: JWKS, token_endpoint: `${ISS}/token` } as SmartConfiguration;
const opts = { smartConfig, clientId: CLIENT, fetch: fetchJwks };

async function sign(
  claims: Record<string, unknown> = {},
  header: { alg: string; kid?: string } = { alg: "RS256", kid: "rs256" },
  key: CryptoKey = rs256.privateKey,
  lifetime = 300,
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ fhirUser: "Practitioner/123", ...claims })
    .setProtectedHeader(header)
    .setIssuer((claims.iss as string) ?? ISS)
    .setSubject("user-1")
    .setAudience((claims.aud as string | string[]) ?? CLIENT)
    .setIssuedAt(now)
    .setExpirationTime(now + lifetime)
    .sign(key);
}

const rejectCode = async (p: Promise<unknown>) => {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(SmartAuthError.is(error)).toBe(true);
  return (error as SmartAuthError).code;
};

describe("verifyIdToken (checklist 7.1, 7.2, E18)", () => {
  it("accepts RS256, RS384 and ES384 id_tokens, selecting the key by kid (checklist 7.2, E18)", async () => {
    expect((await verifyIdToken(await sign(), opts)).sub).toBe("user-1");
    expect((await verifyIdToken(await sign({}, { alg: "RS384", kid: "rs384" }, rs384.privateKey), opts)).fhirUser).toBe(
      "Practitioner/123",
    );
    expect((await verifyIdToken(await sign({}, { alg: "ES384", kid: "es384" }, es384.privateKey), opts)).iss).toBe(ISS);
  });

  it("the JWKS is fetched once and cached across verifications", async () => {
    const before = jwksFetches;
    await verifyIdToken(await sign(), opts);
    await verifyIdToken(await sign(), opts);
    expect(jwksFetches - before).toBe(0);
  });

  it("refuses alg none (checklist 7.2)", async () => {
    const payload = base64url.encode(
      JSON.stringify({
        iss: ISS,
        sub: "u",
        aud: CLIENT,
        exp: Math.floor(Date.now() / 1000) + 60,
        iat: Math.floor(Date.now() / 1000),
      }),
    );
    const none = `${base64url.encode(JSON.stringify({ alg: "none" }))}.${payload}.`;
    expect(await rejectCode(verifyIdToken(none, opts))).toBe("invalid_id_token");
  });

  it("refuses HS256 keyed with public material and a signature from another key with the same kid", async () => {
    const hs = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256", kid: "rs256" })
      .setIssuer(ISS)
      .setSubject("u")
      .setAudience(CLIENT)
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(JSON.stringify(keys[0])));
    expect(await rejectCode(verifyIdToken(hs, opts))).toBe("invalid_id_token");
    expect(
      await rejectCode(verifyIdToken(await sign({}, { alg: "RS256", kid: "rs256" }, attacker.privateKey), opts)),
    ).toBe("invalid_id_token");
  });

  it("refuses a wrong iss (exact match, no normalisation, E6), a wrong aud, and several audiences without azp (E18)", async () => {
    expect(await rejectCode(verifyIdToken(await sign({ iss: `${ISS}/` }), opts))).toBe("invalid_id_token");
    expect(await rejectCode(verifyIdToken(await sign({ aud: "other-app" }), opts))).toBe("invalid_id_token");
    expect(await rejectCode(verifyIdToken(await sign({ aud: [CLIENT, "other"] }), opts))).toBe("invalid_id_token");
    expect((await verifyIdToken(await sign({ aud: [CLIENT, "other"], azp: CLIENT }), opts)).azp).toBe(CLIENT);
    expect(await rejectCode(verifyIdToken(await sign({ azp: "other" }), opts))).toBe("invalid_id_token");
  });

  it("checks the nonce when one was sent, and refuses an unexpected one", async () => {
    expect((await verifyIdToken(await sign({ nonce: "n1" }), { ...opts, nonce: "n1" })).nonce).toBe("n1");
    expect(await rejectCode(verifyIdToken(await sign({ nonce: "n2" }), { ...opts, nonce: "n1" }))).toBe(
      "invalid_id_token",
    );
    expect(await rejectCode(verifyIdToken(await sign(), { ...opts, nonce: "n1" }))).toBe("invalid_id_token");
    expect(await rejectCode(verifyIdToken(await sign({ nonce: "n2" }), opts))).toBe("invalid_id_token");
  });

  it("refuses an expired id_token beyond the leeway (default 60 s, E4) and accepts one within it", async () => {
    const token = await sign({}, undefined, undefined, 10);
    const later = (ms: number) => () => Date.now() + ms;
    expect((await verifyIdToken(token, { ...opts, now: later(50_000) })).sub).toBe("user-1");
    expect(await rejectCode(verifyIdToken(token, { ...opts, now: later(80_000) }))).toBe("invalid_id_token");
    expect(await rejectCode(verifyIdToken(token, { ...opts, now: later(20_000), clockToleranceSeconds: 0 }))).toBe(
      "invalid_id_token",
    );
    expect((await verifyIdToken(token, { ...opts, now: later(3_600_000), ignoreExpiry: true })).sub).toBe("user-1");
  });

  it("needs issuer and jwks_uri, and refuses a plain-http jwks_uri on a remote host (checklist 2.1)", async () => {
    expect(
      await rejectCode(verifyIdToken(await sign(), { ...opts, smartConfig: { ...smartConfig, jwks_uri: undefined } })),
    ).toBe("unsupported_by_server");
    expect(
      await rejectCode(
        verifyIdToken(await sign(), { ...opts, smartConfig: { ...smartConfig, jwks_uri: "http://ehr.example/jwks" } }),
      ),
    ).toBe("insecure_url");
    await expect(verifyIdToken("", opts)).rejects.toThrow(TypeError);
  });

  it("property: garbage never verifies and never throws anything but SmartAuthError", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ minLength: 1 }),
          fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((p) => p.join(".")),
        ),
        async (garbage) => {
          const error = await verifyIdToken(garbage, opts).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(SmartAuthError.is(error)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("resolveFhirUser (checklist 3.23, E18)", () => {
  const claims = (fhirUser: string) => ({ iss: ISS, sub: "u", aud: CLIENT, exp: 0, iat: 0, fhirUser });
  it("resolves a relative fhirUser against the FHIR base and keeps absolute ones", () => {
    expect(resolveFhirUser(claims("Practitioner/123"), "https://ehr.example/fhir/r4")).toBe(
      "https://ehr.example/fhir/r4/Practitioner/123",
    );
    expect(resolveFhirUser(claims("Practitioner/123"), "https://ehr.example/fhir/r4/")).toBe(
      "https://ehr.example/fhir/r4/Practitioner/123",
    );
    expect(resolveFhirUser(claims("https://other.example/fhir/Patient/9"), "https://ehr.example/fhir")).toBe(
      "https://other.example/fhir/Patient/9",
    );
    expect(
      resolveFhirUser(
        { iss: ISS, sub: "u", aud: CLIENT, exp: 0, iat: 0, profile: "Patient/1" },
        "https://e.example/fhir",
      ),
    ).toBe("https://e.example/fhir/Patient/1");
    expect(resolveFhirUser(undefined, "https://e.example/fhir")).toBeUndefined();
  });
});
