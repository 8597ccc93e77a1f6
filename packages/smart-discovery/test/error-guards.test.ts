import { describe, expect, it } from "vitest";
import { DiscoveryError, DiscoveryErrorCode } from "../src/index.js";

// Issue 16 item 4: snake_case codes and `is(value, code?)` across package copies (Symbol.for brand).
describe("DiscoveryError.is(value, code?) (issue 16 item 4)", () => {
  const codes = Object.values(DiscoveryErrorCode);

  it("every code is snake_case; is(x, code) is true for that code only", () => {
    for (const code of codes) {
      expect(code).toMatch(/^discovery_[a-z]+(_[a-z]+)*$/);
      const error = new DiscoveryError("m", { code, url: "https://h/fhir" });
      expect(DiscoveryError.is(error)).toBe(true);
      expect(DiscoveryError.is(error, code)).toBe(true);
      for (const other of codes) if (other !== code) expect(DiscoveryError.is(error, other)).toBe(false);
    }
  });

  it("works for another copy of the package, refuses look-alikes", () => {
    const foreign = Object.assign(new Error("m"), {
      code: DiscoveryErrorCode.Timeout,
      [Symbol.for("@fhir-dsl/smart-discovery/DiscoveryError")]: true,
    });
    expect(foreign instanceof DiscoveryError).toBe(false);
    expect(DiscoveryError.is(foreign, DiscoveryErrorCode.Timeout)).toBe(true);
    for (const value of [
      { name: "DiscoveryError", code: DiscoveryErrorCode.Timeout },
      null,
      undefined,
      1,
      "discovery_timeout",
    ]) {
      expect(DiscoveryError.is(value)).toBe(false);
    }
  });
});
