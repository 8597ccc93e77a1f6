import { InMemoryTokenStore, TokenStoreError, TokenStoreErrorCode, type StoredToken } from "@fhir-dsl/token-store";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode as toBase64Url } from "jose/base64url";
import { canonicalBytes as fromBase64Url } from "../src/envelope.js";
import { ENVELOPE_VERSION, formatEnvelope, parseEnvelope, type Envelope } from "../src/index.js";
import { startLocalKms, type LocalKms } from "@fhir-dsl/test-kms";
import { encryptedStore, secretToken, UncheckedMemoryStore } from "./helpers.js";

const RUNS = Number(process.env.FUZZ_RUNS) || 200;
const bytes = (min: number, max = min) => fc.uint8Array({ minLength: min, maxLength: max });
const envelopes: fc.Arbitrary<Envelope> = fc.record({
  keyId: fc.string({ minLength: 1, maxLength: 80, unit: "grapheme" }),
  encryptedDataKey: bytes(1, 200),
  iv: bytes(12),
  ciphertext: bytes(16, 300),
});

function typedRefusal(run: () => unknown): TokenStoreErrorCode | "accepted" {
  try {
    run();
    return "accepted";
  } catch (error) {
    if (!TokenStoreError.is(error)) throw error;
    return error.code;
  }
}

describe("base64url (RFC 4648 §5): jose's, with the envelope's canonical-form check", () => {
  it("round-trips any bytes and accepts only the canonical encoding", () => {
    fc.assert(
      fc.property(bytes(0, 100), (data) => {
        const text = toBase64Url(data);
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(text).toBe(Buffer.from(data).toString("base64url"));
        expect(fromBase64Url(text)).toEqual(data);
      }),
      { numRuns: RUNS },
    );
  });

  it("never throws on arbitrary text, and whatever it accepts re-encodes to the same text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        const decoded = fromBase64Url(text);
        if (decoded !== undefined) expect(toBase64Url(decoded)).toBe(text);
      }),
      { numRuns: RUNS },
    );
    expect(fromBase64Url("AB")).toBeUndefined(); // non-zero padding bits: "AA" is the canonical form
    expect(fromBase64Url("AA==")).toBeUndefined();
    // what a lenient decoder (atob, Buffer, Uint8Array.fromBase64) takes but is not canonical base64url
    for (const text of ["AA=", "A A", " AA", "AA\n", "+/8", "A", "AAA!", "AAAA\u00e9", "AA%3D"])
      expect(fromBase64Url(text)).toBeUndefined();
    expect(fromBase64Url("")).toEqual(new Uint8Array(0));
  });
});

describe(`envelope format v${ENVELOPE_VERSION}`, () => {
  it("format then parse is the identity", () => {
    fc.assert(
      fc.property(envelopes, (envelope) => {
        const text = formatEnvelope(envelope);
        expect(text.startsWith("kms1.")).toBe(true);
        expect(text.split(".")).toHaveLength(5);
        expect(parseEnvelope(text, "k")).toEqual(envelope);
      }),
      { numRuns: RUNS },
    );
  });

  it("parse of any value throws only TokenStoreError (corrupt or decrypt-failed) unless it is well formed", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.string(),
          fc.string().map((s) => `kms1.${s}`),
        ),
        (value) => {
          const outcome = typedRefusal(() => parseEnvelope(value, "k"));
          expect(["accepted", TokenStoreErrorCode.CorruptValue, TokenStoreErrorCode.DecryptFailed]).toContain(outcome);
        },
      ),
      { numRuns: RUNS * 5 },
    );
  });

  it("an envelope with a part dropped, added or emptied is store_decrypt_failed", () => {
    fc.assert(
      fc.property(envelopes, fc.nat(4), fc.constantFrom("drop", "add", "empty"), (envelope, index, change) => {
        const parts = formatEnvelope(envelope).split(".");
        const at = Math.max(1, index);
        if (change === "drop") parts.splice(at, 1);
        else if (change === "add") parts.splice(at, 0, "AAAA");
        else parts[at] = "";
        expect(typedRefusal(() => parseEnvelope(parts.join("."), "k"))).toBe(TokenStoreErrorCode.DecryptFailed);
      }),
      { numRuns: RUNS },
    );
  });

  it("error messages name the key, never the envelope", () => {
    const error = (() => {
      try {
        parseEnvelope("kms1.c2VjcmV0.x", "my-key");
      } catch (e) {
        return e as TokenStoreError;
      }
    })();
    expect(error?.message).toContain('"my-key"');
    expect(JSON.stringify(error)).not.toContain("c2VjcmV0");
  });
});

describe("reading outside input through the store never yields a wrong token", () => {
  let kms: LocalKms;
  beforeAll(async () => {
    kms = await startLocalKms();
  });
  afterAll(() => kms.close());

  it("any character of a stored envelope replaced: a typed refusal, never a token", async () => {
    const inner = new InMemoryTokenStore();
    const { store } = encryptedStore(kms, { store: inner });
    await store.set("victim", secretToken());
    const original = (await inner.get("victim")) as StoredToken;
    const text = String(original.__kms);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    await fc.assert(
      fc.asyncProperty(fc.nat(text.length - 1), fc.constantFrom(...alphabet), async (position, char) => {
        fc.pre(text[position] !== char);
        const altered = text.slice(0, position) + char + text.slice(position + 1);
        await inner.set("victim", { ...original, __kms: altered });
        const outcome = await store.get("victim").then(
          (token) => `token ${token?.access_token}`,
          (error: unknown) => (TokenStoreError.is(error) ? error.code : `untyped ${String(error)}`),
        );
        expect([
          TokenStoreErrorCode.DecryptFailed,
          TokenStoreErrorCode.CorruptValue,
          TokenStoreErrorCode.KeyService,
        ]).toContain(outcome);
      }),
      { numRuns: RUNS },
    );
  });

  it("arbitrary placeholder objects in the wrapped store: a typed refusal, never a token", async () => {
    // a wrapped store that keeps junk: InMemoryTokenStore itself refuses what is not a StoredToken
    const inner = new UncheckedMemoryStore();
    const { store } = encryptedStore(kms, { store: inner });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything().filter((v) => v !== undefined),
          fc.record({
            access_token: fc.string(),
            token_type: fc.constant("kms-envelope"),
            __kms: fc.oneof(fc.anything(), envelopes.map(formatEnvelope)),
          }),
        ),
        async (value) => {
          await inner.set("fuzz", value as StoredToken);
          const outcome = await store.get("fuzz").then(
            () => "token",
            (error: unknown) => (TokenStoreError.is(error) ? "typed" : `untyped ${String(error)}`),
          );
          expect(outcome).toBe("typed");
        },
      ),
      { numRuns: Math.min(RUNS, 150) },
    );
  });
});
