import { describe, expect, it } from "vitest";
import { type Interaction, parseScope, ScopeSet } from "../src/index.js";

const ALL: Interaction[] = ["create", "read", "update", "delete", "search"];
const allowed = (set: ScopeSet, type: string, context?: "patient" | "user" | "system") =>
  ALL.filter((i) => set.allows(i, type, context));

describe("ScopeSet.allows (checklist 3.1, 3.4, 3.6, 3.11)", () => {
  it("maps interactions to c r u d s", () => {
    expect(allowed(parseScope("patient/Observation.rs"), "Observation")).toEqual(["read", "search"]);
    expect(allowed(parseScope("patient/Observation.cud"), "Observation")).toEqual(["create", "update", "delete"]);
    expect(allowed(parseScope("patient/Observation.cruds"), "Observation")).toEqual(ALL);
  });

  it("write does not imply read (3.6)", () => {
    const set = parseScope("patient/Observation.c");
    expect(set.allows("create", "Observation")).toBe(true);
    expect(set.allows("read", "Observation")).toBe(false);
  });

  it("handles split scopes as a union (3.4)", () => {
    const set = parseScope("patient/Observation.r patient/Observation.s");
    expect(allowed(set, "Observation")).toEqual(["read", "search"]);
  });

  it("treats v1 .read/.write/.* like their v2 forms (3.7)", () => {
    expect(allowed(parseScope("user/Patient.read"), "Patient")).toEqual(["read", "search"]);
    expect(allowed(parseScope("user/Patient.write"), "Patient")).toEqual(["create", "update", "delete"]);
    expect(allowed(parseScope("user/Patient.*"), "Patient")).toEqual(ALL);
  });

  it("matches any type, now and future, with the wildcard resource (3.11)", () => {
    const set = parseScope("patient/*.rs");
    expect(set.allows("read", "Observation")).toBe(true);
    expect(set.allows("search", "SomeFutureResource")).toBe(true);
    expect(set.allows("update", "Observation")).toBe(false);
  });

  it("honours context: undefined means any, a list means any of them (3.3)", () => {
    const set = parseScope("patient/Observation.rs system/Patient.r");
    expect(set.allows("read", "Observation")).toBe(true);
    expect(set.allows("read", "Observation", "patient")).toBe(true);
    expect(set.allows("read", "Observation", "user")).toBe(false);
    expect(set.allows("read", "Patient", ["user", "system"])).toBe(true);
    expect(set.allows("read", "Patient", [])).toBe(false);
  });

  it("does not match other types, non-resource scopes or unknown scopes", () => {
    const set = parseScope("openid fhirUser launch/patient patient/Obs.sr patient/Condition.rs");
    expect(set.allows("read", "Observation")).toBe(false);
    expect(set.allows("read", "Obs")).toBe(false);
    expect(set.allows("read", "*")).toBe(false);
    expect(parseScope("").allows("read", "Patient")).toBe(false);
  });

  it("lets a granular scope allow, restricted, and shows the restriction (3.8)", () => {
    const raw = "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory";
    const set = parseScope(raw);
    expect(set.allows("read", "Observation")).toBe(true);
    expect(set.allowsUnrestricted("read", "Observation")).toBe(false);
    expect(set.matching("search", "Observation").map((s) => s.params)).toEqual([
      [["category", "http://terminology.hl7.org/CodeSystem/observation-category|laboratory"]],
    ]);
    const both = parseScope(`${raw} patient/Observation.r`);
    expect(both.allowsUnrestricted("read", "Observation")).toBe(true);
    expect(both.allowsUnrestricted("search", "Observation")).toBe(false);
  });

  it("throws TypeError for an interaction that is not one of the five", () => {
    const set = parseScope("patient/*.cruds");
    for (const bad of ["vread", "toString", "", "READ"]) {
      expect(() => set.allows(bad as Interaction, "Patient")).toThrow(
        /"create", "read", "update", "delete" or "search"/,
      );
    }
  });
});

describe("ScopeSet.has (checklist 3.7, 3.12)", () => {
  it("finds exact tokens, v1 and v2 spellings alike, repeats collapsed", () => {
    const set = parseScope("openid patient/Observation.read openid launch/patient?role=http://r user/Obs.x");
    expect(set.has("openid")).toBe(true);
    expect(set.has("patient/Observation.rs")).toBe(true);
    expect(set.has("patient/Observation.read")).toBe(true);
    expect(set.has("patient/Observation.r")).toBe(false);
    expect(set.has("launch/patient?role=http://r")).toBe(true);
    expect(set.has("launch/patient")).toBe(false);
    expect(set.has("user/Obs.x")).toBe(true);
    expect(set.has("openid patient/Observation.rs")).toBe(true);
    expect(set.has("openid fhirUser")).toBe(false);
    expect(set.has("")).toBe(false);
  });

  it("treats params in any order as the same granular scope", () => {
    expect(parseScope("patient/Observation.rs?a=1&b=2").has("patient/Observation.rs?b=2&a=1")).toBe(true);
    expect(parseScope("patient/Observation.rs?a=1&b=2").has("patient/Observation.rs?a=1")).toBe(false);
  });
});

describe("ScopeSet.covers (checklist 2.54, 3.4)", () => {
  it("counts unions and wildcards", () => {
    const granted = parseScope("patient/Observation.rs patient/Observation.cud user/*.read openid");
    expect(granted.covers("patient/Observation.cruds")).toBe(true);
    expect(granted.covers("user/Patient.r openid")).toBe(true);
    expect(granted.covers("user/Patient.rs?category=x")).toBe(true);
    expect(granted.covers("user/Patient.c")).toBe(false);
    expect(granted.covers(parseScope("patient/Observation.read"))).toBe(true);
    expect(granted.covers("")).toBe(true);
    expect(() => granted.covers(null as never)).toThrow(TypeError);
  });
});

describe("ScopeSet helpers", () => {
  it("exposes identity, refresh and context flags", () => {
    const set = parseScope(
      "openid fhirUser offline_access launch launch/patient launch/encounter launch/patient user/*.rs patient/Observation.rs",
    );
    expect(set.openid).toBe(true);
    expect(set.fhirUser).toBe(true);
    expect(set.offlineAccess).toBe(true);
    expect(set.onlineAccess).toBe(false);
    expect(set.launch).toBe(true);
    expect(set.launchContexts).toEqual(["patient", "encounter"]);
    expect(set.contexts).toEqual(["user", "patient"]);
    expect(JSON.stringify({ scope: set })).toBe(JSON.stringify({ scope: set.toString() }));
    const empty = parseScope("online_access");
    expect([empty.openid, empty.fhirUser, empty.offlineAccess, empty.onlineAccess, empty.launch]).toEqual([
      false,
      false,
      false,
      true,
      false,
    ]);
    expect(empty.launchContexts).toEqual([]);
    expect(empty.contexts).toEqual([]);
  });

  it("is built from parsed entries and freezes its list", () => {
    const set = new ScopeSet(parseScope("openid patient/*.read").scopes);
    expect(set.toV2String()).toBe("openid patient/*.rs");
    expect(Object.isFrozen(set.scopes)).toBe(true);
    expect(new ScopeSet().toString()).toBe("");
    expect(() => new ScopeSet("openid" as never)).toThrow(/pass an array of ParsedScope/);
  });
});
