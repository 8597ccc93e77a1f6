import { describe, expect, it } from "vitest";
import { diffScopes, ScopeComparisonError, ScopeComparisonErrorCode } from "../src/index.js";

// Issue 16 item 4: snake_case codes and `is(value, code?)` across package copies (Symbol.for brand).
describe("ScopeComparisonError.is(value, code?) (issue 16 item 4)", () => {
  it("a comparison over its budget throws the exported code; is(x, code) checks it", () => {
    let error: unknown;
    try {
      const granular = (tag: string) =>
        Array.from({ length: 50 }, (_, i) => `patient/Observation.rs?category=${tag}${i}`).join(" ");
      diffScopes(granular("a"), granular("b"), { budget: 1 });
    } catch (e) {
      error = e;
    }
    expect(ScopeComparisonErrorCode.TooCostly).toBe("scope_comparison_too_costly");
    expect(ScopeComparisonError.is(error, ScopeComparisonErrorCode.TooCostly)).toBe(true);
    expect(ScopeComparisonError.is(error, "other" as ScopeComparisonErrorCode)).toBe(false);
  });

  it("works for another copy of the package, refuses look-alikes", () => {
    const foreign = Object.assign(new RangeError("m"), {
      code: ScopeComparisonErrorCode.TooCostly,
      [Symbol.for("@fhir-dsl/smart-scopes.ScopeComparisonError")]: true,
    });
    expect(foreign instanceof ScopeComparisonError).toBe(false);
    expect(ScopeComparisonError.is(foreign, ScopeComparisonErrorCode.TooCostly)).toBe(true);
    for (const value of [{ name: "ScopeComparisonError", code: "scope_comparison_too_costly" }, null, undefined, 0]) {
      expect(ScopeComparisonError.is(value)).toBe(false);
    }
  });
});
