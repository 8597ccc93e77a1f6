/**
 * Issue 18: KMS answers ECDSA_SHA_384 with a DER signature (RFC 3279 §2.2.3); a JWS needs 96-byte r||s
 * (RFC 7518 §3.4). Edge cases: 0x00 padding before a high bit, short r or s (leading zero bytes in the
 * fixed form), one-byte integers, and every non-minimal or malformed encoding refused.
 */
import { generateKeyPairSync, sign, verify } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { derToJoseSignature } from "../src/der.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/** A minimal DER INTEGER of a positive value, written independently of the code under test (X.690 §8.3). */
function derInteger(value: bigint): number[] {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = hex.match(/../g)!.map((h) => parseInt(h, 16));
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return [0x02, bytes.length, ...bytes];
}
function derSignature(r: bigint, s: bigint): Uint8Array {
  const body = [...derInteger(r), ...derInteger(s)];
  return new Uint8Array(body.length < 0x80 ? [0x30, body.length, ...body] : [0x30, 0x81, body.length, ...body]);
}
const fixed = (value: bigint) => Buffer.from(value.toString(16).padStart(96, "0"), "hex");
const N384 = BigInt(
  "0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
);

describe("derToJoseSignature (ES384)", () => {
  it("converts edge cases: high bit padded with 0x00, short r (leading zero bytes), short s, one-byte values, the largest values", () => {
    const cases: Array<[bigint, bigint]> = [
      [N384 - 1n, N384 - 1n], // both high bit set: 49-byte INTEGERs with a 0x00 pad
      [1n, 1n], // one-byte integers: 47 leading zero bytes each
      [0x7fn, 0x80n], // 0x80 needs a pad, 0x7f does not
      [BigInt(`0x00ff${"11".repeat(46)}`), BigInt(`0x${"22".repeat(48)}`)], // r 47 bytes with high bit
      [BigInt(`0x${"01".repeat(40)}`), BigInt(`0x${"80".repeat(48)}`)], // r 40 bytes, s 48 bytes + pad
      [2n ** 376n, 2n ** 383n], // r = 2^376: 48 bytes starting 0x01; s = 2^383: high bit, padded
    ];
    for (const [r, s] of cases) {
      expect(Buffer.from(derToJoseSignature(derSignature(r, s), 48)!)).toEqual(Buffer.concat([fixed(r), fixed(s)]));
    }
  });

  it("round-trips every r, s in [1, n) (property, independent DER writer)", () => {
    const scalar = fc.bigInt({ min: 1n, max: N384 - 1n });
    const shortScalar = fc
      .integer({ min: 1, max: 48 })
      .chain((bytes) => fc.bigInt({ min: 1n, max: 2n ** BigInt(8 * bytes) - 1n }));
    fc.assert(
      fc.property(fc.oneof(scalar, shortScalar), fc.oneof(scalar, shortScalar), (r, s) => {
        expect(Buffer.from(derToJoseSignature(derSignature(r, s), 48)!)).toEqual(Buffer.concat([fixed(r), fixed(s)]));
      }),
      { numRuns: RUNS },
    );
  });

  it("real OpenSSL DER signatures convert to r||s that verify as IEEE P1363, including short r or s", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
    let short = 0;
    let padded = 0;
    for (let i = 0; i < 1500; i++) {
      const message = Buffer.from(`message ${i}`);
      const der = sign("sha384", message, { key: privateKey, dsaEncoding: "der" });
      const rLength = der[3]!;
      const sLength = der[4 + rLength + 1]!;
      if (rLength < 48 || sLength < 48) short++;
      if (rLength === 49 || sLength === 49) padded++;
      const raw = derToJoseSignature(der, 48)!;
      expect(raw).toHaveLength(96);
      expect(verify("sha384", message, { key: publicKey, dsaEncoding: "ieee-p1363" }, raw)).toBe(true);
    }
    // 1500 signatures: ~12 have a short r or s (1/128 each), ~1125 a padded one
    expect(padded).toBeGreaterThan(100);
    expect(short).toBeGreaterThan(0);
  });

  it("refuses malformed DER: wrong tags, lengths, trailing bytes, negative, zero, non-minimal, too long for P-384", () => {
    const good = derSignature(N384 - 1n, 12345n);
    const bad: Array<[string, number[]]> = [
      ["empty", []],
      ["not a SEQUENCE", [0x31, ...good.subarray(1)]],
      ["sequence length too long", [0x30, good[1]! + 1, ...good.subarray(2)]],
      ["sequence length too short", [0x30, good[1]! - 1, ...good.subarray(2)]],
      ["trailing byte", [...good, 0]],
      ["truncated", [...good.subarray(0, good.length - 1)]],
      ["r not an INTEGER", [0x30, 6, 0x04, 1, 1, 0x02, 1, 1]],
      ["only r", [0x30, 3, 0x02, 1, 1]],
      ["three integers", [0x30, 9, 0x02, 1, 1, 0x02, 1, 1, 0x02, 1, 1]],
      ["negative r", [0x30, 6, 0x02, 1, 0x81, 0x02, 1, 1]],
      ["zero r", [0x30, 6, 0x02, 1, 0, 0x02, 1, 1]],
      ["zero s", [0x30, 6, 0x02, 1, 1, 0x02, 1, 0]],
      ["empty INTEGER", [0x30, 5, 0x02, 0, 0x02, 1, 1]],
      ["non-minimal 0x00 pad", [0x30, 7, 0x02, 2, 0x00, 0x7f, 0x02, 1, 1]],
      ["non-minimal long-form length", [0x30, 0x81, 6, 0x02, 1, 1, 0x02, 1, 1]],
      ["indefinite length", [0x30, 0x80, 0x02, 1, 1, 0x02, 1, 1, 0, 0]],
      ["r of 49 bytes without a pad", [0x30, 2 + 49 + 3, 0x02, 49, ...new Array(49).fill(0x11), 0x02, 1, 1]],
      ["r of 50 bytes with a pad", [0x30, 2 + 50 + 3, 0x02, 50, 0, 0x80, ...new Array(48).fill(0x11), 0x02, 1, 1]],
    ];
    for (const [label, bytes] of bad) expect(derToJoseSignature(new Uint8Array(bytes), 48), label).toBeUndefined();
  });

  it("never throws on arbitrary bytes (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        const out = derToJoseSignature(bytes, 48);
        expect(out === undefined || out.length === 96).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
