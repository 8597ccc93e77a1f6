import { describe, expect, expectTypeOf, it } from "vitest";
import { type CapabilitySet, capabilitySets, hasCapability, type SmartConfiguration } from "../src/index.js";

const config = (capabilities: string[]): SmartConfiguration => ({
  token_endpoint: "https://h/token",
  grant_types_supported: ["authorization_code"],
  code_challenge_methods_supported: ["S256"],
  capabilities,
});

describe("hasCapability (checklist 1.7)", () => {
  it("answers for known, unknown and full-URI capabilities", () => {
    const c = config(["launch-ehr", "http://sdo.example.org/new-cap", "future-thing"]);
    expect(hasCapability(c, "launch-ehr")).toBe(true);
    expect(hasCapability(c, "launch-standalone")).toBe(false);
    expect(hasCapability(c, "http://sdo.example.org/new-cap")).toBe(true);
    expect(hasCapability(c, "future-thing")).toBe(true);
  });
  it("is false rather than throwing for a config without a capabilities array", () => {
    expect(hasCapability({ ...config([]), capabilities: undefined as unknown as string[] }, "launch-ehr")).toBe(false);
  });
});

describe("capabilitySets (checklist 1.8, conformance.html#capability-sets)", () => {
  const patientStandalone = ["launch-standalone", "client-public", "context-standalone-patient", "permission-patient"];
  const patientEhr = ["launch-ehr", "client-confidential-symmetric", "context-ehr-patient", "permission-patient"];
  const clinicianStandalone = ["launch-standalone", "client-public", "permission-user", "permission-patient"];
  const clinicianEhr = [
    "launch-ehr",
    "client-public",
    "context-ehr-patient",
    "context-ehr-encounter",
    "permission-user",
    "permission-patient",
  ];

  it.each<[string, string[], CapabilitySet[]]>([
    ["Patient Access for Standalone Apps", patientStandalone, ["patient-access-standalone"]],
    ["Patient Access for EHR Launch", patientEhr, ["patient-access-ehr"]],
    ["Clinician Access for Standalone", clinicianStandalone, ["clinician-access-standalone"]],
    ["Clinician Access for EHR Launch", clinicianEhr, ["patient-access-ehr", "clinician-access-ehr"]],
    [
      "all four",
      [...new Set([...patientStandalone, ...clinicianEhr, "permission-user"])],
      ["patient-access-standalone", "patient-access-ehr", "clinician-access-standalone", "clinician-access-ehr"],
    ],
  ])("%s", (_name, capabilities, expected) => {
    expect(capabilitySets(config(capabilities))).toEqual(expected);
  });

  it("needs client-public or client-confidential-symmetric: asymmetric alone satisfies no set", () => {
    const asymmetricOnly = patientStandalone
      .filter((c) => c !== "client-public")
      .concat("client-confidential-asymmetric");
    expect(capabilitySets(config(asymmetricOnly))).toEqual([]);
    expect(capabilitySets(config([...asymmetricOnly, "client-confidential-symmetric"]))).toEqual([
      "patient-access-standalone",
    ]);
  });

  it("each set needs every one of its capabilities", () => {
    for (const missing of clinicianEhr.filter((c) => c !== "client-public")) {
      expect(capabilitySets(config(clinicianEhr.filter((c) => c !== missing)))).not.toContain("clinician-access-ehr");
    }
    expect(capabilitySets(config([]))).toEqual([]);
  });

  it("is typed", () => {
    expectTypeOf(capabilitySets).returns.toEqualTypeOf<CapabilitySet[]>();
  });
});
