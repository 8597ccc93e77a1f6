import { DiscoveryError, DiscoveryErrorCode, TokenStoreError, TokenStoreErrorCode } from "@fhir-dsl/smart";
import { describe, expect, it } from "vitest";
import { describeFailure } from "../src/failure.js";

// Issue 16 item 4: the example recognises errors with `.is()`, so an error from another copy of a package
// (a second version in node_modules, the CJS build beside the ESM one) is still recognised; names are not compared.
describe("describeFailure uses the .is() guards (issue 16 item 4)", () => {
  it("a TokenStoreError, also one built by another copy of @fhir-dsl/token-store", () => {
    const own = new TokenStoreError("Redis did not answer", { code: TokenStoreErrorCode.Unavailable, key: "k" });
    const foreign = Object.assign(new Error("Redis did not answer"), {
      code: TokenStoreErrorCode.Unavailable,
      [Symbol.for("@fhir-dsl/token-store/TokenStoreError")]: true,
    });
    for (const error of [own, foreign])
      expect(describeFailure(error)).toBe("the token store failed: Redis did not answer");
    // a look-alike carrying only the name is not a TokenStoreError
    expect(describeFailure(Object.assign(new Error("x"), { name: "TokenStoreError" }))).toBe("x");
  });

  it("a DiscoveryError timeout names the server, by code", () => {
    const error = new DiscoveryError("no answer", {
      code: DiscoveryErrorCode.Timeout,
      url: "https://ehr.example/fhir/.well-known/smart-configuration",
    });
    expect(describeFailure(error)).toBe("the FHIR server at https://ehr.example/fhir did not answer in time");
  });
});
