import { createHash } from "node:crypto";
import fc from "fast-check";
import { encode as joseBase64url } from "jose/base64url";
import { describe, expect, expectTypeOf, it } from "vitest";
import { base64url } from "../src/bytes.js";
import * as pkce from "../src/index.js";
import {
  CODE_CHALLENGE_METHOD,
  codeChallengeS256,
  createPkcePair,
  generateCodeVerifier,
  isValidCodeVerifier,
  type PkcePair,
} from "../src/index.js";

const UNRESERVED = /^[A-Za-z0-9\-._~]+$/;

function nodeChallenge(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

describe("codeChallengeS256 (checklist 2.27, E11)", () => {
  it("matches the RFC 7636 Appendix B vector", async () => {
    // RFC 7636 Appendix B, verbatim (a SHA-256 challenge is always 43 characters)
    await expect(codeChallengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).resolves.toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });

  it("equals base64url(sha256(verifier)) computed by node:crypto, for any valid verifier", async () => {
    const verifier = fc.stringMatching(/^[A-Za-z0-9\-._~]{43,128}$/);
    await fc.assert(
      fc.asyncProperty(verifier, async (v) => {
        expect(await codeChallengeS256(v)).toBe(nodeChallenge(v));
      }),
      { numRuns: 200 },
    );
  });

  it("is 43 base64url characters without padding", async () => {
    const challenge = await codeChallengeS256(generateCodeVerifier());
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("throws a TypeError for a verifier outside 43-128 unreserved characters, without echoing it", async () => {
    const bad = [
      "",
      "a".repeat(42),
      "a".repeat(129),
      `${"a".repeat(42)}+`,
      `${"a".repeat(42)}=`,
      `${"a".repeat(42)} `,
      `${"é".repeat(43)}`,
    ];
    for (const verifier of bad) {
      const error = await codeChallengeS256(verifier).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain("43-128");
      if (verifier.length > 0) expect((error as Error).message).not.toContain(verifier);
      expect(JSON.stringify(error)).not.toContain("aaaaaaaaaa");
    }
    await expect(codeChallengeS256(undefined as unknown as string)).rejects.toBeInstanceOf(TypeError);
    await expect(codeChallengeS256(42 as unknown as string)).rejects.toBeInstanceOf(TypeError);
  });

  it("accepts the 43 and 128 character edges", async () => {
    await expect(codeChallengeS256("~".repeat(43))).resolves.toBe(nodeChallenge("~".repeat(43)));
    await expect(codeChallengeS256("-".repeat(128))).resolves.toBe(nodeChallenge("-".repeat(128)));
  });
});

describe("generateCodeVerifier (checklist 2.9, E11)", () => {
  it("defaults to 32 bytes, i.e. 43 characters", () => {
    expect(generateCodeVerifier()).toHaveLength(43);
  });

  it("gives 43-128 unreserved characters for every allowed byte length (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 32, max: 96 }), (byteLength) => {
        const verifier = generateCodeVerifier(byteLength);
        expect(verifier).toHaveLength(Math.ceil((byteLength * 4) / 3));
        expect(verifier.length).toBeGreaterThanOrEqual(43);
        expect(verifier.length).toBeLessThanOrEqual(128);
        expect(verifier).toMatch(UNRESERVED);
        expect(isValidCodeVerifier(verifier)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("decodes back to byteLength random bytes", () => {
    expect(Buffer.from(generateCodeVerifier(96), "base64url")).toHaveLength(96);
  });

  it("throws a TypeError saying what to pass for a byte length outside 32..96", () => {
    for (const n of [31, 97, 0, -1, 32.5, Number.NaN, Number.POSITIVE_INFINITY, "32" as unknown as number]) {
      expect(() => generateCodeVerifier(n)).toThrow(TypeError);
      expect(() => generateCodeVerifier(n)).toThrow(/32 to 96/);
    }
  });

  it("never repeats over many draws", () => {
    const seen = new Set(Array.from({ length: 5_000 }, () => generateCodeVerifier()));
    expect(seen.size).toBe(5_000);
  });
});

describe("isValidCodeVerifier (RFC 7636 §4.1)", () => {
  it("agrees with the ABNF for arbitrary strings (property)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 140 }), fc.stringMatching(/^[A-Za-z0-9\-._~]{40,130}$/)), (s) => {
        expect(isValidCodeVerifier(s)).toBe(s.length >= 43 && s.length <= 128 && UNRESERVED.test(s));
      }),
      { numRuns: 500 },
    );
  });

  it("is false for non-strings instead of throwing", () => {
    expect(isValidCodeVerifier(undefined as unknown as string)).toBe(false);
    expect(isValidCodeVerifier(["a".repeat(43)] as unknown as string)).toBe(false);
  });
});

describe("createPkcePair (checklist 2.27)", () => {
  it("pairs a fresh verifier with its S256 challenge", async () => {
    const pair = await createPkcePair();
    expect(pair.codeChallengeMethod).toBe("S256");
    expect(isValidCodeVerifier(pair.codeVerifier)).toBe(true);
    expect(pair.codeChallenge).toBe(nodeChallenge(pair.codeVerifier));
    expectTypeOf(pair).toEqualTypeOf<PkcePair>();
    expectTypeOf(pair.codeChallengeMethod).toEqualTypeOf<"S256">();
  });

  it("differs on every call", async () => {
    const [a, b] = await Promise.all([createPkcePair(), createPkcePair()]);
    expect(a.codeVerifier).not.toBe(b.codeVerifier);
    expect(a.codeChallenge).not.toBe(b.codeChallenge);
  });
});

describe("S256 only (checklist 2.9, E11)", () => {
  it("exports S256 as the one method and nothing named plain", () => {
    expect(CODE_CHALLENGE_METHOD).toBe("S256");
    expect(Object.keys(pkce).sort()).toEqual([
      "CODE_CHALLENGE_METHOD",
      "codeChallengeS256",
      "createPkcePair",
      "generateCodeVerifier",
      "generateNonce",
      "generateState",
      "isValidCodeVerifier",
    ]);
    expect(Object.keys(pkce).some((k) => /plain/i.test(k))).toBe(false);
  });
});

describe("base64url is jose's, never a hand-written copy (project rule)", () => {
  it("the encoder of verifiers, challenges, state and nonce is jose/base64url's encode", () => {
    expect(base64url).toBe(joseBase64url);
  });

  it("encodes any bytes as Node's base64url does (RFC 4648 §5, no padding)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(base64url(bytes)).toBe(Buffer.from(bytes).toString("base64url"));
      }),
      { numRuns: 300 },
    );
  });
});
