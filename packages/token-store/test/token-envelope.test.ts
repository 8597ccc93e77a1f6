import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeTokenEnvelope as decodeToken,
  encodeTokenEnvelope as encodeToken,
  TokenStoreError,
  TokenStoreErrorCode,
  type StoredToken,
} from "../src/index.js";

const json = fc.jsonValue();
const token: fc.Arbitrary<StoredToken> = fc
  .record(
    {
      access_token: fc.string({ unit: "grapheme", minLength: 1 }),
      token_type: fc.constantFrom("Bearer", "bearer"),
      expires_at: fc.integer({ min: 0, max: 4_102_444_800_000 }),
      refresh_token: fc.string(),
      scope: fc.string(),
      patient: fc.string(),
      fhirContext: fc.array(fc.record({ reference: fc.string() })),
      extra: json,
    },
    { requiredKeys: ["access_token", "token_type"] },
  )
  .map((t) => t as StoredToken);

/** decodeToken either returns a token or throws store_corrupt_value naming the key, never anything else. */
function decodesOrCorrupt(text: string): boolean {
  try {
    const t = decodeToken("the-key", text);
    return typeof t.access_token === "string";
  } catch (error) {
    return (
      TokenStoreError.is(error) &&
      error.code === TokenStoreErrorCode.CorruptValue &&
      error.key === "the-key" &&
      error.cause === undefined &&
      (text.length < 8 || !error.message.includes(text))
    );
  }
}

describe("value envelope (parser of outside input)", () => {
  it("property: encode then decode returns the same token", () => {
    fc.assert(
      fc.property(token, (t) => {
        expect(decodeToken("k", encodeToken("k", t))).toEqual(JSON.parse(JSON.stringify(t)));
      }),
    );
  });

  it("property: any string decodes to a token or a typed corrupt-value error", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), decodesOrCorrupt), { numRuns: 500 });
  });

  it("property: any JSON value, alone or as an envelope's token or version, decodes or fails typed", () => {
    const shaped = fc.oneof(
      json.map((v) => JSON.stringify(v)),
      json.map((v) => JSON.stringify({ v: 1, token: v })),
      json.map((v) => JSON.stringify({ v, token: { access_token: "a" } })),
      fc.record({ access_token: json, expires_at: json }).map((t) => JSON.stringify({ v: 1, token: t })),
    );
    fc.assert(fc.property(shaped, decodesOrCorrupt), { numRuns: 500 });
  });

  it("property: a truncated or bit-flipped envelope never throws anything but a typed error", () => {
    fc.assert(
      fc.property(token, fc.nat(), fc.integer({ min: 0, max: 255 }), (t, at, byte) => {
        const text = encodeToken("k", t);
        const i = at % text.length;
        return (
          decodesOrCorrupt(text.slice(0, i)) &&
          decodesOrCorrupt(text.slice(0, i) + String.fromCharCode(byte) + text.slice(i + 1))
        );
      }),
      { numRuns: 300 },
    );
  });

  it("decodes a JSON __proto__ member as plain data, without touching Object.prototype", () => {
    const t = decodeToken(
      "k",
      '{"v":1,"token":{"access_token":"a","token_type":"Bearer","__proto__":{"polluted":true}}}',
    );
    expect(t.access_token).toBe("a");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
