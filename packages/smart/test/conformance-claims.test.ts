/**
 * CONFORMANCE.md claims that rest on this library's own code, not on oauth4webapi's defaults (issue 15 §6):
 * each test here fails when the line it names is removed or changed.
 */
import { base64url, decodeJwt, exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { resolveClientAuth } from "../src/client-auth.js";
import { SmartAuthError, verifyIdToken } from "../src/index.js";
import { tokenClient } from "../src/token-request.js";
import { processTokenResponse } from "../src/token-response.js";

const TOKEN_ENDPOINT = "https://auth.example.com/oauth2/token";
const tokenConfig = {
  issuer: "https://auth.example.com",
  token_endpoint: TOKEN_ENDPOINT,
  capabilities: [],
  code_challenge_methods_supported: ["S256"],
  grant_types_supported: ["client_credentials"],
} as SmartConfiguration;
const ok = () =>
  new Response(JSON.stringify({ access_token: "at", token_type: "bearer", expires_in: 300 }), {
    headers: { "content-type": "application/json" },
  });

async function assertionWith(lifetime: number | undefined): Promise<{ assertions: string[]; error?: unknown }> {
  const { privateKey } = await generateKeyPair("ES384");
  const assertions: string[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    assertions.push(new URLSearchParams(await new Request(input, init).text()).get("client_assertion")!);
    return ok();
  }) as typeof globalThis.fetch;
  try {
    const client = tokenClient({
      smartConfig: tokenConfig,
      clientId: "c",
      clientAuth:
        lifetime === undefined
          ? resolveClientAuth({ privateKey, alg: "ES384" })
          : { method: "private_key_jwt", privateKey, alg: "ES384", assertionLifetimeSeconds: lifetime },
      fetch,
      now: () => 1_700_000_000_000,
    });
    await client.request({ grantType: "client_credentials", scope: "system/Patient.rs" });
    return { assertions };
  } catch (error) {
    return { assertions, error };
  }
}

describe("client assertion lifetime: 240 s by default, at most 300 s (checklist 5.11, E4; client-auth.ts)", () => {
  it("the default is exactly 240 s (exp − iat), leaving a minute of the 5-minute maximum for clock skew", async () => {
    const { assertions } = await assertionWith(undefined);
    const claims = decodeJwt(assertions[0]!);
    expect(claims.exp! - claims.iat!).toBe(240);
  });

  it("assertionLifetimeSeconds up to 300 is used as given; above 300, zero, negative or not a number is a TypeError before any request", async () => {
    for (const lifetime of [1, 60, 299, 300]) {
      const { assertions } = await assertionWith(lifetime);
      const claims = decodeJwt(assertions[0]!);
      expect(claims.exp! - claims.iat!).toBe(lifetime);
    }
    for (const bad of [300.5, 301, 3_600, 0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const { assertions, error } = await assertionWith(bad);
      expect(error).toBeInstanceOf(TypeError);
      expect(assertions).toEqual([]);
    }
  });
});

describe("the library's own id_token algorithm list, never the server's, never none or HMAC (checklist 7.2; id-token.ts)", () => {
  const ISS = "https://ehr.example/auth";
  const JWKS = "https://ehr.example/auth/jwks";
  const CLIENT = "my-app";

  async function setup() {
    const rs = await generateKeyPair("RS256");
    const ed = await generateKeyPair("Ed25519");
    const hmacKey = crypto.getRandomValues(new Uint8Array(32));
    // a hostile server: it publishes an Ed25519 key and a symmetric key, and advertises none and HS256
    const keys = [
      { ...(await exportJWK(rs.publicKey)), kid: "rs", alg: "RS256" },
      { ...(await exportJWK(ed.publicKey)), kid: "ed", alg: "EdDSA" },
      { kty: "oct", k: base64url.encode(hmacKey), kid: "hs", alg: "HS256" },
    ];
    const fetch = (async () =>
      new Response(JSON.stringify({ keys }), {
        headers: { "content-type": "application/json" },
      })) as typeof globalThis.fetch;
    const smartConfig = {
      issuer: ISS,
      jwks_uri: JWKS,
      token_endpoint: `${ISS}/token`,
      id_token_signing_alg_values_supported: ["none", "HS256", "EdDSA", "RS256"],
    } as unknown as SmartConfiguration;
    const sign = (alg: string, kid: string, key: CryptoKey | Uint8Array) =>
      new SignJWT({})
        .setProtectedHeader({ alg, kid })
        .setIssuer(ISS)
        .setSubject("u")
        .setAudience(CLIENT)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(key);
    const now = Math.floor(Date.now() / 1000);
    const none = `${base64url.encode(JSON.stringify({ alg: "none" }))}.${base64url.encode(JSON.stringify({ iss: ISS, sub: "u", aud: CLIENT, iat: now, exp: now + 300 }))}.`;
    return {
      fetch,
      smartConfig,
      rs: await sign("RS256", "rs", rs.privateKey),
      ed: await sign("EdDSA", "ed", ed.privateKey),
      hs: await sign("HS256", "hs", hmacKey),
      none,
    };
  }
  const verdict = (p: Promise<unknown>) =>
    p.then(
      () => "accepted",
      (e: unknown) => (SmartAuthError.is(e) ? e.code : `untyped: ${String(e)}`),
    );

  it("by default: RS256 accepted; EdDSA (which the server advertises and oauth4webapi supports), HS256 and none refused", async () => {
    const { fetch, smartConfig, rs, ed, hs, none } = await setup();
    const opts = { smartConfig, clientId: CLIENT, fetch };
    expect(await verdict(verifyIdToken(rs, opts))).toBe("accepted");
    expect(await verdict(verifyIdToken(ed, opts))).toBe("invalid_id_token");
    expect(await verdict(verifyIdToken(hs, opts))).toBe("invalid_id_token");
    expect(await verdict(verifyIdToken(none, opts))).toBe("invalid_id_token");
  });

  it("an app's own list is honoured (EdDSA when it asks), but none and HS* are filtered out of it", async () => {
    const { fetch, smartConfig, rs, ed, hs, none } = await setup();
    const opts = { smartConfig, clientId: CLIENT, fetch, algorithms: ["none", "HS256", "HS512", "EdDSA"] };
    expect(await verdict(verifyIdToken(ed, opts))).toBe("accepted");
    expect(await verdict(verifyIdToken(rs, opts))).toBe("invalid_id_token"); // not on the app's list
    expect(await verdict(verifyIdToken(hs, opts))).toBe("invalid_id_token");
    expect(await verdict(verifyIdToken(none, opts))).toBe("invalid_id_token");
    // a list of only none/HMAC filters to nothing, and nothing means nothing (not a fallback to a default)
    const empty = { smartConfig, clientId: CLIENT, fetch, algorithms: ["none", "HS256"] };
    for (const token of [rs, ed, hs, none]) expect(await verdict(verifyIdToken(token, empty))).toBe("invalid_id_token");
  });
});

describe("token_type: Bearer only; DPoP and others refused (checklist 2.43, 2.49; token-response.ts)", () => {
  const json = (body: unknown) =>
    new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  it("DPoP (which oauth4webapi accepts as a token type) and every other non-Bearer type is invalid_token_response", async () => {
    for (const tokenType of ["DPoP", "dpop", "DPOP", "N_A", "mac", "pop"]) {
      const error = await processTokenResponse(
        json({ access_token: "a", token_type: tokenType }),
        TOKEN_ENDPOINT,
        0,
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, tokenType).toMatchObject({ code: "invalid_token_response" });
    }
    expect(
      (await processTokenResponse(json({ access_token: "a", token_type: "bearer" }), TOKEN_ENDPOINT, 0)).token_type,
    ).toBe("Bearer");
  });
});
