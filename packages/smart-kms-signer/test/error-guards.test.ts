import { describe, expect, it } from "vitest";
import { KmsSignerError, KmsSignerErrorCode } from "../src/index.js";

// Issue 16 item 4: snake_case codes and `is(value, code?)` across package copies (Symbol.for brand).
describe("KmsSignerError.is(value, code?) (issue 16 item 4)", () => {
  const codes = Object.values(KmsSignerErrorCode);

  it("every code is snake_case; is(x, code) is true for that code only", () => {
    for (const code of codes) {
      expect(code).toMatch(/^kms_[a-z]+(_[a-z]+)*$/);
      const error = new KmsSignerError("m", { code, keyId: "alias/k", operation: "Sign" });
      expect(KmsSignerError.is(error, code)).toBe(true);
      for (const other of codes) if (other !== code) expect(KmsSignerError.is(error, other)).toBe(false);
    }
  });

  it("works for another copy of the package, refuses look-alikes", () => {
    const foreign = Object.assign(new Error("m"), {
      code: KmsSignerErrorCode.KeyService,
      [Symbol.for("@fhir-dsl/smart-kms-signer/KmsSignerError")]: true,
    });
    expect(foreign instanceof KmsSignerError).toBe(false);
    expect(KmsSignerError.is(foreign, KmsSignerErrorCode.KeyService)).toBe(true);
    for (const value of [{ name: "KmsSignerError", code: "kms_key_service" }, null, undefined, 0])
      expect(KmsSignerError.is(value)).toBe(false);
  });
});
