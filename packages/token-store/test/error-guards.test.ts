import { describe, expect, it } from "vitest";
import { TokenStoreError, TokenStoreErrorCode } from "../src/index.js";

// Issue 16 item 4: snake_case codes and `is(value, code?)` across package copies (Symbol.for brand).
describe("TokenStoreError.is(value, code?) (issue 16 item 4)", () => {
  const codes = Object.values(TokenStoreErrorCode);

  it("every code is snake_case; is(x, code) is true for that code only; retryable defaults to store_unavailable", () => {
    for (const code of codes) {
      expect(code).toMatch(/^store_[a-z]+(_[a-z]+)*$/);
      const error = new TokenStoreError("m", { code, key: "k" });
      expect(TokenStoreError.is(error, code)).toBe(true);
      for (const other of codes) if (other !== code) expect(TokenStoreError.is(error, other)).toBe(false);
      expect(error.retryable).toBe(code === TokenStoreErrorCode.Unavailable);
    }
  });

  it("works for another copy of the package, refuses look-alikes", () => {
    const foreign = Object.assign(new Error("m"), {
      code: TokenStoreErrorCode.Unavailable,
      [Symbol.for("@fhir-dsl/token-store/TokenStoreError")]: true,
    });
    expect(foreign instanceof TokenStoreError).toBe(false);
    expect(TokenStoreError.is(foreign)).toBe(true);
    expect(TokenStoreError.is(foreign, TokenStoreErrorCode.CorruptValue)).toBe(false);
    for (const value of [
      { name: "TokenStoreError", code: "store_unavailable" },
      null,
      undefined,
      0,
      "store_unavailable",
    ]) {
      expect(TokenStoreError.is(value)).toBe(false);
    }
  });
});
