import { describe, expect, expectTypeOf, it } from "vitest";
import {
  buildScopes,
  fhirUser,
  launch,
  launchEncounter,
  launchPatient,
  offlineAccess,
  onlineAccess,
  openid,
  parseScope,
  profile,
  resourceScope,
} from "../src/index.js";

describe("scope constants (checklist 3.14, 3.21, 3.27)", () => {
  it("spell the SMART tokens", () => {
    expect([openid, fhirUser, profile, offlineAccess, onlineAccess, launch, launchPatient, launchEncounter]).toEqual([
      "openid",
      "fhirUser",
      "profile",
      "offline_access",
      "online_access",
      "launch",
      "launch/patient",
      "launch/encounter",
    ]);
    expectTypeOf(offlineAccess).toEqualTypeOf<"offline_access">();
  });
});

describe("seed README scope builders", () => {
  it("produce exactly the string the README shows", () => {
    const scope = buildScopes([
      openid,
      fhirUser,
      offlineAccess,
      "launch/patient",
      resourceScope({ context: "patient", resource: "Observation", perms: ["r", "s"] }),
      resourceScope({ context: "patient", resource: "Condition", perms: "*" }),
    ]);
    expect(scope).toBe("openid fhirUser offline_access launch/patient patient/Observation.rs patient/Condition.cruds");
    expectTypeOf(scope).toEqualTypeOf<string>();
  });
});

describe("resourceScope (checklist 3.1, 3.2, 3.3, 3.8, 3.11)", () => {
  it("writes permissions in canonical c r u d s order whatever the input order (3.1)", () => {
    expect(resourceScope({ context: "user", resource: "Patient", perms: ["s", "r"] })).toBe("user/Patient.rs");
    expect(resourceScope({ context: "user", resource: "Patient", perms: "sdurc" })).toBe("user/Patient.cruds");
    expect(resourceScope({ context: "user", resource: "Patient", perms: ["r", "r", "s"] })).toBe("user/Patient.rs");
    expect(resourceScope({ context: "system", resource: "*", perms: "*" })).toBe("system/*.cruds");
    expect(resourceScope({ context: "patient", resource: "Observation", perms: "c" })).toBe("patient/Observation.c");
  });

  it("appends granular params as written, from an object or from pairs (3.8)", () => {
    const value = "http://terminology.hl7.org/CodeSystem/observation-category|laboratory";
    expect(
      resourceScope({ context: "patient", resource: "Observation", perms: "rs", params: { category: value } }),
    ).toBe(`patient/Observation.rs?category=${value}`);
    expect(
      resourceScope({
        context: "patient",
        resource: "Observation",
        perms: "rs",
        params: [
          ["category", "vital-signs"],
          ["code:in", "http://valueset.example.org/ValueSet/diabetes"],
        ],
      }),
    ).toBe("patient/Observation.rs?category=vital-signs&code:in=http://valueset.example.org/ValueSet/diabetes");
    expect(resourceScope({ context: "patient", resource: "Observation", perms: "rs", params: {} })).toBe(
      "patient/Observation.rs",
    );
  });

  it("throws TypeError naming what to pass for bad input (3.2)", () => {
    const bad: unknown[] = [
      null,
      "patient/Observation.rs",
      { context: "practitioner", resource: "Observation", perms: "rs" },
      { context: "patient", resource: "observation", perms: "rs" },
      { context: "patient", resource: "Observation.x", perms: "rs" },
      { context: "patient", resource: "", perms: "rs" },
      { context: "patient", resource: "Observation", perms: "" },
      { context: "patient", resource: "Observation", perms: [] },
      { context: "patient", resource: "Observation", perms: "read" },
      { context: "patient", resource: "Observation", perms: "rx" },
      { context: "patient", resource: "Observation", perms: 7 },
      { context: "patient", resource: "Observation", perms: "rs", params: { category: "a b" } },
      { context: "patient", resource: "Observation", perms: "rs", params: { category: "a&b=c" } },
      { context: "patient", resource: "Observation", perms: "rs", params: { category: "" } },
      { context: "patient", resource: "Observation", perms: "rs", params: { "": "x" } },
      { context: "patient", resource: "Observation", perms: "rs", params: { "a=b": "x" } },
      { context: "patient", resource: "Observation", perms: "rs", params: { q: 'say "hi"' } },
      { context: "patient", resource: "Observation", perms: "rs", params: [["only-a-name"]] },
      { context: "patient", resource: "Observation", perms: "rs", params: "category=x" },
    ];
    for (const input of bad) {
      expect(() => resourceScope(input as never), JSON.stringify(input)).toThrow(TypeError);
    }
    expect(() => resourceScope({ context: "patient", resource: "Observation", perms: "rx" })).toThrow(
      /letters of "cruds"/,
    );
    expect(() => resourceScope({ context: "nurse" as never, resource: "Observation", perms: "r" })).toThrow(
      /"patient", "user" or "system"/,
    );
  });
});

describe("buildScopes (checklist E19, 3.10)", () => {
  it("space-joins, drops falsy entries and keeps the first of duplicates", () => {
    const needsRefresh = false;
    expect(
      buildScopes([openid, null, needsRefresh && offlineAccess, undefined, "", fhirUser, openid, "patient/*.rs"]),
    ).toBe("openid fhirUser patient/*.rs");
    expect(buildScopes([])).toBe("");
  });

  it("keeps granular scopes whole: '&', '|', '?', ':' and '=' are not separators (E19)", () => {
    const granular = "patient/Observation.rs?category=http://x.org/cs|laboratory&code:in=http://x.org/vs";
    const built = buildScopes([granular, openid]);
    expect(built).toBe(`${granular} openid`);
    expect(parseScope(built).scopes.map((s) => s.raw)).toEqual([granular, openid]);
  });

  it("throws TypeError for a token with whitespace, '\"' or '\\' (E19)", () => {
    for (const bad of ["openid fhirUser", "a\tb", "line\nbreak", 'quo"te', "back\\slash", "ctl\u0001", " openid"]) {
      expect(() => buildScopes([bad]), JSON.stringify(bad)).toThrow(TypeError);
    }
    expect(() => buildScopes([openid, 42 as never])).toThrow(/scopes\[1\] must be a string/);
    expect(() => buildScopes("openid" as never)).toThrow(/pass an array/);
  });
});
