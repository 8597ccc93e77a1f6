import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fhirBaseMatcher } from "../src/fhir-base.js";

describe("fhirBaseMatcher: the token goes only under its FHIR base (checklist E21)", () => {
  const inBase = fhirBaseMatcher("https://ehr.example.com/r4/");

  it("accepts the base itself and URLs under it", () => {
    for (const url of [
      "https://ehr.example.com/r4",
      "https://ehr.example.com/r4/",
      "https://ehr.example.com/r4/Patient/1",
      "https://ehr.example.com/r4?_format=json",
      "https://ehr.example.com/r4/Observation?code=http%3A%2F%2Floinc.org%7C1234-5",
      "HTTPS://EHR.EXAMPLE.COM:443/r4/Patient",
    ]) expect(inBase(url), url).toBe(true);
  });

  it("refuses other origins, sibling paths and path tricks", () => {
    for (const url of [
      "https://ehr.example.com/r4x/Patient",
      "https://ehr.example.com/r5/Patient",
      "https://ehr.example.com/",
      "https://ehr.example.com.evil.test/r4/Patient",
      "https://evil.test/r4/Patient",
      "http://ehr.example.com/r4/Patient",
      "https://ehr.example.com:8443/r4/Patient",
      "https://ehr.example.com/r4/../admin",
      "https://ehr.example.com/r4/%2e%2e/admin",
      "https://ehr.example.com/r4/..%2Fadmin",
      "https://ehr.example.com/r4\\..\\admin",
      "https://user@evil.test/r4",
      "not a url",
      "",
    ]) expect(inBase(url), url).toBe(false);
  });

  it("extra locations (authorization_details) are allowed too", () => {
    const m = fhirBaseMatcher("https://a.test/fhir", ["https://b.test/other/fhir"]);
    expect(m("https://b.test/other/fhir/Patient")).toBe(true);
    expect(m("https://b.test/other/Patient")).toBe(false);
  });

  it("never throws and agrees with the URL parser on what it accepts (property)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true, withFragments: true })), (url) => {
        const accepted = inBase(url);
        if (accepted) {
          const u = new URL(url);
          expect(u.origin).toBe("https://ehr.example.com");
          expect(u.pathname === "/r4" || u.pathname.startsWith("/r4/")).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
