import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DiscoveryError, DiscoveryErrorCode, smartConfigurationUrl } from "../src/index.js";

describe("smartConfigurationUrl (checklist 1.1, E10)", () => {
  it.each([
    ["https://fhir.example.com/r4", "https://fhir.example.com/r4/.well-known/smart-configuration"],
    ["https://fhir.example.com/r4/", "https://fhir.example.com/r4/.well-known/smart-configuration"],
    ["https://fhir.example.com/r4///", "https://fhir.example.com/r4/.well-known/smart-configuration"],
    ["https://www.ehr.example.com/apis/fhir", "https://www.ehr.example.com/apis/fhir/.well-known/smart-configuration"],
    ["https://fhir.ehr.example.com", "https://fhir.ehr.example.com/.well-known/smart-configuration"],
    ["https://fhir.ehr.example.com/", "https://fhir.ehr.example.com/.well-known/smart-configuration"],
    ["HTTPS://FHIR.Example.COM:443/R4", "https://fhir.example.com/R4/.well-known/smart-configuration"],
    ["http://127.0.0.1:8080/fhir/r4/", "http://127.0.0.1:8080/fhir/r4/.well-known/smart-configuration"],
  ])("%s → %s", (base, expected) => {
    expect(smartConfigurationUrl(base)).toBe(expected);
  });

  it("takes a URL object as well as a string", () => {
    expect(smartConfigurationUrl(new URL("https://h/apis/fhir/"))).toBe(
      "https://h/apis/fhir/.well-known/smart-configuration",
    );
  });

  it("gives one URL with and without trailing slashes, after the full path, never with // (property)", () => {
    const segment = fc.stringMatching(/^[a-zA-Z0-9._~-]{1,12}$/).filter((s) => s !== "." && s !== "..");
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 5 }), fc.nat({ max: 3 }), (segments, slashes) => {
        const path = segments.map((s) => `/${s}`).join("");
        const bare = `https://h.example${path}`;
        const url = smartConfigurationUrl(bare + "/".repeat(slashes));
        expect(url).toBe(smartConfigurationUrl(bare));
        expect(url).toBe(`${bare}/.well-known/smart-configuration`);
        expect(new URL(url).pathname).not.toContain("//");
      }),
    );
  });

  it.each([
    ["not a url", "not a url"],
    ["/r4", "/r4"],
    ["ftp://h/fhir", "ftp://h/fhir"],
    ["javascript:alert(1)", "javascript:alert(1)"],
    ["https://h/fhir?tenant=1", "https://h/fhir?tenant=1"],
    ["https://h/fhir#x", "https://h/fhir#x"],
    ["https://h/fhir?", "https://h/fhir?"],
    ["https://h/fhir#", "https://h/fhir#"],
  ])("refuses %s with DiscoveryError discovery_invalid_url", (base, url) => {
    const error = catchError(() => smartConfigurationUrl(base));
    expect(DiscoveryError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: DiscoveryErrorCode.InvalidUrl, url });
  });

  it("refuses credentials in the base and keeps them out of the error", () => {
    const error = catchError(() => smartConfigurationUrl("https://alice:s3cret@h/fhir"));
    expect(error).toMatchObject({ code: DiscoveryErrorCode.InvalidUrl, url: "https://h/fhir" });
    expect(JSON.stringify(error)).not.toContain("s3cret");
    expect(String(error)).not.toContain("s3cret");
  });

  it("throws a TypeError saying what to pass for a base that is not a string or URL", () => {
    for (const bad of [undefined, null, 42, {}]) {
      expect(() => smartConfigurationUrl(bad as unknown as string)).toThrow(TypeError);
      expect(() => smartConfigurationUrl(bad as unknown as string)).toThrow(/FHIR base URL as a string or URL/);
    }
  });

  it("never throws anything but DiscoveryError for any string (property)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true, withFragments: true })), (s) => {
        try {
          expect(smartConfigurationUrl(s)).toMatch(/^https?:\/\/[^?#]*\/\.well-known\/smart-configuration$/);
        } catch (error) {
          expect(DiscoveryError.is(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}
