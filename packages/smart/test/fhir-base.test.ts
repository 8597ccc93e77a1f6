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
    ])
      expect(inBase(url), url).toBe(true);
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
    ])
      expect(inBase(url), url).toBe(false);
  });

  it("extra locations (authorization_details) are allowed too", () => {
    const m = fhirBaseMatcher("https://a.test/fhir", ["https://b.test/other/fhir"]);
    expect(m("https://b.test/other/fhir/Patient")).toBe(true);
    expect(m("https://b.test/other/Patient")).toBe(false);
  });

  it("never throws and agrees with the URL parser on what it accepts (property; issue 15: the inner assertions run, counted)", () => {
    // Most random URLs never reach the base: build many from the base in other spellings and with path tricks
    const underBase = fc
      .tuple(
        fc.constantFrom(
          "https://ehr.example.com/r4",
          "HTTPS://EHR.example.COM:443/r4",
          "https://ehr.example.com/r4/",
          "https://ehr.example.com/r",
        ),
        fc.array(
          fc.constantFrom("/", "Patient", "1", ".", "..", "%2e", ";x", "..;", "?", "#", "a.json", "\\", "%2F", " "),
          { maxLength: 6 },
        ),
      )
      .map(([base, parts]) => base + parts.join(""));
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true, withFragments: true }), underBase, underBase),
        (url) => {
          if (!inBase(url)) return void refused++;
          accepted++;
          const u = new URL(url);
          expect(u.origin).toBe("https://ehr.example.com");
          expect(u.pathname === "/r4" || u.pathname.startsWith("/r4/")).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(200);
  });

  it("refuses dot segments beside path parameters and encoded dots, as a class (issue 15: servlet containers strip ;params before resolving ..)", () => {
    // (the URL parser itself resolves `%2e%2e`, `.%2e`, `%2e.` as `..`: those leave the base as the parser sees it)
    const tricks = [
      "..;",
      "..;x",
      "..;a=b",
      ".;",
      ".;x",
      "%2e%2e",
      "%2E%2e;",
      ".%2e",
      "%2e.",
      "%2e;",
      "..%2f",
      "..%5c",
      ".%2E;x",
    ];
    for (const trick of tricks) {
      for (const url of [
        `https://ehr.example.com/r4/${trick}/admin`,
        `https://ehr.example.com/r4/a/${trick}/${trick}/admin`,
        `https://ehr.example.com/r4/${trick}`,
      ]) {
        expect(inBase(url), url).toBe(false);
      }
    }
    // names that only look like dot segments are fine
    for (const url of [
      "https://ehr.example.com/r4/...",
      "https://ehr.example.com/r4/..a;x",
      "https://ehr.example.com/r4/Binary/a.b;v=1",
      "https://ehr.example.com/r4/;x/Patient",
    ]) {
      expect(inBase(url), url).toBe(true);
    }
  });
});
