import { describe, expect, it } from "vitest";
import { generateNonce, generateState } from "../src/index.js";

describe.each([
  ["generateState (checklist 2.25, E12)", generateState],
  ["generateNonce", generateNonce],
])("%s", (_name, generate) => {
  it("carries 256 bits: 43 base64url characters decoding to 32 bytes", () => {
    const value = generate();
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(value, "base64url")).toHaveLength(32);
  });

  it("never repeats over 10,000 draws", () => {
    const seen = new Set(Array.from({ length: 10_000 }, generate));
    expect(seen.size).toBe(10_000);
  });

  it("uses every base64url symbol with roughly even frequency (no stuck bits)", () => {
    const counts = new Map<string, number>();
    // 42 leading characters carry 6 full random bits each; the 43rd has only 2
    for (let i = 0; i < 2_000; i++) for (const ch of generate().slice(0, 42)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(64);
    const expected = (2_000 * 42) / 64;
    for (const n of counts.values()) expect(Math.abs(n - expected)).toBeLessThan(expected * 0.25);
  });
});

it("state and nonce draws are independent", () => {
  expect(generateState()).not.toBe(generateNonce());
});
