import { describe, expect, it } from "vitest";
import { diffScopes, parseScope, type ScopeDiff } from "../src/index.js";

const lists = (d: ScopeDiff) => ({
  missing: d.missing,
  added: d.added,
  narrowed: d.narrowed,
  widened: d.widened,
  unchanged: d.unchanged,
});
const same = { missing: [], added: [], narrowed: [], widened: [], unchanged: true };

describe("diffScopes (checklist 3.12, E1)", () => {
  it("sees an identical grant as unchanged, in any order and spacing", () => {
    const d = diffScopes("openid fhirUser patient/Observation.rs", "  patient/Observation.rs openid\nfhirUser ");
    expect(lists(d)).toEqual(same);
    expect(d.requested.toString()).toBe("openid fhirUser patient/Observation.rs");
    expect(d.granted.toString()).toBe("patient/Observation.rs openid fhirUser");
  });

  it("reports a narrower grant: fewer permissions (3.12 narrower)", () => {
    expect(lists(diffScopes("patient/Observation.cruds offline_access", "patient/Observation.rs"))).toEqual({
      missing: ["patient/Observation.cruds", "offline_access"],
      added: [],
      narrowed: ["patient/Observation.cruds"],
      widened: [],
      unchanged: false,
    });
  });

  it("reports a broader grant, e.g. a server bug on refresh (3.12 broader, E1)", () => {
    expect(lists(diffScopes("patient/Observation.rs", "patient/Observation.cruds openid"))).toEqual({
      missing: [],
      added: ["patient/Observation.cruds", "openid"],
      narrowed: [],
      widened: ["patient/Observation.cruds"],
      unchanged: false,
    });
  });

  it("accepts a split grant as equivalent (3.4, 3.12 split)", () => {
    expect(lists(diffScopes("patient/Observation.cruds", "patient/Observation.rs patient/Observation.cud"))).toEqual(
      same,
    );
    expect(lists(diffScopes("patient/Observation.rs patient/Observation.cud", "patient/Observation.cruds"))).toEqual(
      same,
    );
    expect(lists(diffScopes("patient/Observation.cruds", "patient/Observation.r patient/Observation.s"))).toMatchObject(
      {
        missing: ["patient/Observation.cruds"],
        narrowed: ["patient/Observation.cruds"],
        added: [],
      },
    );
  });

  it("reports a completely different grant (3.12 entirely different)", () => {
    expect(lists(diffScopes("patient/*.cruds launch/patient", "user/Condition.rs"))).toEqual({
      missing: ["patient/*.cruds", "launch/patient"],
      added: ["user/Condition.rs"],
      narrowed: [],
      widened: [],
      unchanged: false,
    });
  });

  it("treats v1 and v2 spellings as equivalent both ways (3.7)", () => {
    expect(lists(diffScopes("patient/Observation.rs", "patient/Observation.read"))).toEqual(same);
    expect(lists(diffScopes("patient/Observation.read", "patient/Observation.rs"))).toEqual(same);
    expect(lists(diffScopes("user/*.*", "user/*.cruds"))).toEqual(same);
    expect(lists(diffScopes("user/*.cruds", "user/*.read user/*.write"))).toEqual(same);
    expect(lists(diffScopes("user/Patient.write", "user/Patient.read"))).toEqual({
      missing: ["user/Patient.write"],
      added: ["user/Patient.read"],
      narrowed: [],
      widened: [],
      unchanged: false,
    });
  });

  it("sees extra granular params as narrowing and dropped params as widening (3.8)", () => {
    const lab = "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory";
    expect(lists(diffScopes("patient/Observation.rs", lab))).toEqual({
      missing: ["patient/Observation.rs"],
      added: [],
      narrowed: ["patient/Observation.rs"],
      widened: [],
      unchanged: false,
    });
    expect(lists(diffScopes(lab, "patient/Observation.rs"))).toEqual({
      missing: [],
      added: ["patient/Observation.rs"],
      narrowed: [],
      widened: ["patient/Observation.rs"],
      unchanged: false,
    });
    expect(lists(diffScopes(lab, lab))).toEqual(same);
    expect(lists(diffScopes("patient/Observation.rs?a=1&b=2", "patient/Observation.rs?b=2&a=1"))).toEqual(same);
    // a different category is neither narrower nor broader: it is missing and added
    expect(
      lists(diffScopes("patient/Observation.rs?category=laboratory", "patient/Observation.rs?category=vital-signs")),
    ).toEqual({
      missing: ["patient/Observation.rs?category=laboratory"],
      added: ["patient/Observation.rs?category=vital-signs"],
      narrowed: [],
      widened: [],
      unchanged: false,
    });
  });

  it("handles wildcards: a type for * narrows, * for a type widens (3.11)", () => {
    expect(lists(diffScopes("patient/*.rs", "patient/Observation.rs patient/Condition.rs"))).toEqual({
      missing: ["patient/*.rs"],
      added: [],
      narrowed: ["patient/*.rs"],
      widened: [],
      unchanged: false,
    });
    expect(lists(diffScopes("patient/Observation.rs", "patient/*.rs"))).toEqual({
      missing: [],
      added: ["patient/*.rs"],
      narrowed: [],
      widened: ["patient/*.rs"],
      unchanged: false,
    });
    expect(lists(diffScopes("patient/Observation.rs patient/*.rs", "patient/*.read"))).toEqual(same);
  });

  it("does not mix contexts: a user/ grant does not satisfy a patient/ request", () => {
    expect(lists(diffScopes("patient/Observation.rs", "user/Observation.rs"))).toMatchObject({
      missing: ["patient/Observation.rs"],
      added: ["user/Observation.rs"],
      narrowed: [],
      widened: [],
    });
  });

  it("handles the empty string on either side (3.12 empty)", () => {
    expect(lists(diffScopes("openid patient/*.rs", ""))).toEqual({
      missing: ["openid", "patient/*.rs"],
      added: [],
      narrowed: [],
      widened: [],
      unchanged: false,
    });
    expect(lists(diffScopes("", "openid"))).toMatchObject({ missing: [], added: ["openid"], unchanged: false });
    expect(lists(diffScopes("", ""))).toEqual(same);
  });

  it("compares launch-context, unknown and extension tokens exactly, listing repeats once", () => {
    expect(
      lists(
        diffScopes(
          "launch/patient launch/patient __x.manage launch/encounter?role=http://r",
          "launch/patient __x.manage launch/encounter __y",
        ),
      ),
    ).toEqual({
      missing: ["launch/encounter?role=http://r"],
      added: ["launch/encounter", "__y"],
      narrowed: [],
      widened: [],
      unchanged: false,
    });
  });

  it("accepts ScopeSets, and throws TypeError for anything else", () => {
    const requested = parseScope("openid");
    const d = diffScopes(requested, parseScope("openid"));
    expect(d.requested).toBe(requested);
    expect(d.unchanged).toBe(true);
    // a ScopeSet from another copy of the package is accepted by shape
    expect(diffScopes({ scopes: requested.scopes } as never, "openid").unchanged).toBe(true);
    expect(() => diffScopes(null as never, "openid")).toThrow(/pass a scope string or a ScopeSet/);
    expect(() => diffScopes("openid", 5 as never)).toThrow(TypeError);
  });
});
