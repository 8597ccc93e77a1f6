import { describe, expect, it } from "vitest";
import { buildScopes, diffScopes, fhirUser, offlineAccess, openid, parseScope, resourceScope } from "../src/index.js";

describe("README example (checklist 3.7, 3.12)", () => {
  it("gives the results the README shows", () => {
    const requested = buildScopes([
      openid,
      fhirUser,
      offlineAccess,
      "launch/patient",
      resourceScope({ context: "patient", resource: "Observation", perms: ["r", "s"] }),
      resourceScope({ context: "patient", resource: "Condition", perms: "*" }),
    ]);
    expect(requested).toBe(
      "openid fhirUser offline_access launch/patient patient/Observation.rs patient/Condition.cruds",
    );
    const granted = parseScope("openid fhirUser launch/patient patient/Observation.read patient/Condition.rs");
    expect(granted.allows("read", "Observation", "patient")).toBe(true);
    expect(granted.allows("update", "Condition")).toBe(false);
    expect(diffScopes(requested, granted).missing).toEqual(["offline_access", "patient/Condition.cruds"]);
  });
});
