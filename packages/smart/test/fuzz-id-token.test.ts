/**
 * Fuzz (issue 9): id_tokens and the JWKS they are checked against are outside input. verifyIdToken
 * returns claims only for a token signed by the server's key with the right iss, aud, exp, sub and
 * nonce; anything else (garbage, alg none or HS256, a wrong signature, an embedded jwk, claims of any
 * type, a broken or slow JWKS endpoint) is a SmartAuthError, within the timeout. FUZZ_RUNS sets the
 * cases per target (default 300; `pnpm fuzz`: 100,000).
 */
import fc from "fast-check";
import { base64url, exportJWK, generateKeyPair } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { SmartAuthError, verifyIdToken, type SmartConfiguration } from "../src/index.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const testTimeout = Math.max(30_000, RUNS * 10);
const ISS = "https://ehr.example/auth";
const JWKS = "https://ehr.example/auth/jwks";
const CLIENT = "my-app";
const NONCE = "n-0123456789abcdef";
const NOW = 1_800_000_000_000;
const nowS = NOW / 1000;

const server = await generateKeyPair("ES256", { extractable: true });
const attacker = await generateKeyPair("ES256", { extractable: true });
const serverJwk = { ...(await exportJWK(server.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
const attackerJwk = { ...(await exportJWK(attacker.publicKey)), kid: "k1", alg: "ES256" };
const smartConfig = { issuer: ISS, jwks_uri: JWKS, token_endpoint: `${ISS}/token` } as SmartConfiguration;
const jwksFetch = (async () =>
  new Response(JSON.stringify({ keys: [serverJwk] }), {
    headers: { "content-type": "application/json" },
  })) as typeof fetch;
const tally = { accepted: 0, refused: 0 };
afterAll(() =>
  console.log(`fuzz verifyIdToken: ${tally.accepted} accepted, ${tally.refused} refused with SmartAuthError`),
);

const enc = new TextEncoder();
const b64json = (value: unknown) => base64url.encode(enc.encode(JSON.stringify(value)));

async function es256(key: CryptoKey, input: string): Promise<string> {
  const sig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, enc.encode(input));
  return base64url.encode(new Uint8Array(sig));
}

const claim = <T>(good: T, ...bad: unknown[]) =>
  fc.oneof({ arbitrary: fc.constant(good), weight: 20 }, fc.constantFrom(...bad), fc.jsonValue({ maxDepth: 1 }));
const claims = fc.record(
  {
    iss: claim(ISS, `${ISS}/`, "https://EHR.example/auth", "https://evil.example", [ISS], null),
    sub: claim("user-1", "", 5, null),
    aud: claim<unknown>(CLIENT, [CLIENT], [CLIENT, "other"], "other", [], null, 5),
    azp: fc.oneof(fc.constant(undefined), fc.constantFrom(CLIENT, "other", 5)),
    exp: claim(nowS + 300, nowS - 30, nowS - 61, nowS - 10_000, "9999999999", 1e20, -1, null),
    iat: claim(nowS, nowS + 30, nowS + 10_000, "now", null),
    nbf: fc.oneof(fc.constant(undefined), fc.constantFrom(nowS - 10, nowS + 10_000, "x")),
    nonce: claim(NONCE, "other", "", 5, null),
    fhirUser: fc.oneof(
      fc.constantFrom("Practitioner/1", "https://evil.example/Patient/1"),
      fc.jsonValue({ maxDepth: 1 }),
    ),
  },
  { requiredKeys: [] },
);
const header = fc.record(
  {
    alg: fc.oneof(
      { arbitrary: fc.constant("ES256"), weight: 5 },
      fc.constantFrom("none", "None", "HS256", "RS256", "ES384", "EdDSA", "", null, 5),
    ),
    kid: fc.oneof({ arbitrary: fc.constant("k1"), weight: 4 }, fc.constantFrom("k2", "", null, "../../etc/passwd")),
    typ: fc.constantFrom("JWT", "at+jwt", undefined),
    jwk: fc.constantFrom(undefined, attackerJwk),
    jku: fc.constantFrom(undefined, "https://evil.example/jwks"),
    crit: fc.constantFrom(undefined, ["exp"], [], "x"),
    b64: fc.constantFrom(undefined, false),
  },
  { requiredKeys: ["alg"] },
);
const signer = fc.constantFrom("server", "server", "server", "attacker", "none", "garbage", "truncated");

/** A JWT-ish string and whether it carries the server's real signature. */
const idToken = fc.oneof(
  { arbitrary: fc.tuple(header, claims, signer), weight: 6 },
  fc.string({ maxLength: 200 }).map((s) => [s] as const),
  fc
    .array(fc.base64String({ maxLength: 60 }), { minLength: 1, maxLength: 5 })
    .map((parts) => [parts.join(".")] as const),
);

async function materialise(input: readonly unknown[]): Promise<{ token: string; realSignature: boolean }> {
  if (input.length === 1) return { token: input[0] as string, realSignature: false };
  const [h, c, who] = input as [Record<string, unknown>, Record<string, unknown>, string];
  const signingInput = `${b64json(h)}.${b64json(c)}`;
  switch (who) {
    case "server":
      return { token: `${signingInput}.${await es256(server.privateKey, signingInput)}`, realSignature: true };
    case "attacker":
      return { token: `${signingInput}.${await es256(attacker.privateKey, signingInput)}`, realSignature: false };
    case "none":
      return { token: `${signingInput}.`, realSignature: false };
    case "garbage":
      return {
        token: `${signingInput}.${base64url.encode(crypto.getRandomValues(new Uint8Array(64)))}`,
        realSignature: false,
      };
    default:
      return {
        token: `${signingInput}.${(await es256(server.privateKey, signingInput)).slice(0, 20)}`,
        realSignature: false,
      };
  }
}

describe(`fuzz: id_tokens (${RUNS} cases per target)`, () => {
  it("verifyIdToken: claims only for a token the server signed with the right iss/aud/exp/sub/nonce; otherwise SmartAuthError (checklist 7.1, 7.2, E18)", {
    timeout: testTimeout,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(idToken, async (input) => {
        const { token, realSignature } = await materialise(input);
        try {
          const verified = await verifyIdToken(token, {
            smartConfig,
            clientId: CLIENT,
            nonce: NONCE,
            fetch: jwksFetch,
            now: () => NOW,
          });
          tally.accepted++;
          expect(realSignature).toBe(true);
          expect(verified.iss).toBe(ISS);
          expect(verified.nonce).toBe(NONCE);
          expect(typeof verified.sub === "string" && verified.sub !== "").toBe(true);
          expect(([] as unknown[]).concat(verified.aud)).toContain(CLIENT);
          if (Array.isArray(verified.aud) && verified.aud.length > 1) expect(verified.azp).toBe(CLIENT);
          expect(verified.exp * 1000).toBeGreaterThan(NOW - 60_000);
        } catch (error) {
          tally.refused++;
          // verifyIdToken("") is misuse of the function (exchangeCode must not pass it one: security-token-responses)
          if (token === "" && error instanceof TypeError) return;
          if (!SmartAuthError.is(error)) throw error;
          expect(["invalid_id_token", "unsupported_by_server"]).toContain(error.code);
          const signature = token.split(".")[2] ?? "";
          if (signature.length >= 16) expect(JSON.stringify(error)).not.toContain(signature);
        }
      }),
      { numRuns: RUNS, timeout: 2_000 },
    );
  });

  // Issue 15 §6: a verifier that refuses everything must fail. Tokens the server signed with valid claims
  // (any sub, aud as string or array with azp, exp ahead, iat within a minute, extra claims) are accepted.
  it("every token the server signed with valid claims is accepted, and its claims come back (counted)", {
    timeout: testTimeout,
  }, async () => {
    let accepted = 0;
    const valid = fc.record({
      typ: fc.constantFrom("JWT", undefined),
      sub: fc.string({ minLength: 1, maxLength: 40 }),
      aud: fc.constantFrom<"one" | "array" | "array+other">("one", "array", "array+other"),
      exp: fc.integer({ min: 120, max: 86_400 }),
      iat: fc.integer({ min: 0, max: 60 }),
      fhirUser: fc.option(fc.stringMatching(/^(Practitioner|Patient|RelatedPerson)\/[\w-]{1,20}$/), { nil: undefined }),
      extra: fc.dictionary(fc.stringMatching(/^x_[a-z]{1,8}$/), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(valid, async (v) => {
        const aud = v.aud === "one" ? CLIENT : v.aud === "array" ? [CLIENT] : [CLIENT, "other-app"];
        const body = {
          ...v.extra,
          iss: ISS,
          sub: v.sub,
          aud,
          ...(v.aud === "array+other" ? { azp: CLIENT } : {}),
          exp: nowS + v.exp,
          iat: nowS - v.iat,
          nonce: NONCE,
          ...(v.fhirUser ? { fhirUser: v.fhirUser } : {}),
        };
        const signingInput = `${b64json({ alg: "ES256", kid: "k1", ...(v.typ ? { typ: v.typ } : {}) })}.${b64json(body)}`;
        const token = `${signingInput}.${await es256(server.privateKey, signingInput)}`;
        const verified = await verifyIdToken(token, {
          smartConfig,
          clientId: CLIENT,
          nonce: NONCE,
          fetch: jwksFetch,
          now: () => NOW,
        });
        expect(verified.sub).toBe(v.sub);
        expect(verified.nonce).toBe(NONCE);
        if (v.fhirUser) expect(verified.fhirUser).toBe(v.fhirUser);
        accepted++;
      }),
      { numRuns: RUNS, timeout: 2_000 },
    );
    expect(accepted).toBe(RUNS);
  });

  it("a hostile JWKS endpoint (any status, body or key set, or no answer) is a SmartAuthError within the timeout", {
    timeout: testTimeout,
  }, async () => {
    const signingInput = `${b64json({ alg: "ES256", kid: "k1" })}.${b64json({ iss: ISS, sub: "u", aud: CLIENT, exp: nowS + 300, iat: nowS, nonce: NONCE })}`;
    const token = `${signingInput}.${await es256(server.privateKey, signingInput)}`;
    const jwksBody = fc.oneof(
      fc
        .array(
          fc.oneof(
            fc.constant(attackerJwk),
            fc.constant({ ...serverJwk, alg: "RS256" }),
            fc.constant({ ...serverJwk, use: "enc" }),
            fc.constant({ ...serverJwk, kty: "oct", k: "AAAA" }),
            fc.jsonValue({ maxDepth: 2 }),
          ),
          { maxLength: 4 },
        )
        .map((keys) => JSON.stringify({ keys })),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.constantFrom("<html>login</html>", "", "{", "null"),
    );
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(
        jwksBody,
        fc.constantFrom(200, 200, 200, 301, 404, 500),
        fc.constantFrom("ok", "ok", "throw", "hang"),
        async (text, status, behaviour) => {
          cases++;
          const fetchImpl = (async (_url: string, init?: RequestInit) => {
            if (behaviour === "throw") throw new TypeError("fetch failed");
            if (behaviour === "hang")
              return new Promise<Response>((_, reject) =>
                init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
              );
            return new Response(status === 301 ? null : text, {
              status,
              headers: { "content-type": "application/json" },
            });
          }) as typeof fetch;
          const error = await verifyIdToken(token, {
            smartConfig,
            clientId: CLIENT,
            nonce: NONCE,
            fetch: fetchImpl,
            now: () => NOW,
            timeoutMs: behaviour === "hang" ? 2 : 1_000,
          }).then(
            () => undefined,
            (e: unknown) => e,
          );
          // No JWKS holds the server's key here, so nothing may verify.
          if (!SmartAuthError.is(error)) throw error ?? new Error("verified against a JWKS without the server's key");
          expect(error.code).toBe("invalid_id_token");
        },
      ),
      { numRuns: RUNS, timeout: 2_000 },
    );
    expect(cases).toBeGreaterThan(0);
  });
});
