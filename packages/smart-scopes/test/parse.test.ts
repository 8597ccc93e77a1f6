import { describe, expect, it } from "vitest";
import { formatScope, type ParsedScope, parseScope } from "../src/index.js";

const one = (token: string): ParsedScope => {
  const set = parseScope(token);
  expect(set.scopes).toHaveLength(1);
  return set.scopes[0] as ParsedScope;
};

describe("parseScope: v2 resource scopes (checklist 3.1, 3.2, 3.3)", () => {
  it("reads context, resource and canonical permissions", () => {
    expect(one("patient/Observation.rs")).toEqual({
      kind: "resource",
      raw: "patient/Observation.rs",
      context: "patient",
      resource: "Observation",
      permissions: ["r", "s"],
      syntax: "v2",
      params: [],
    });
    expect(one("system/Patient.cruds")).toMatchObject({ context: "system", permissions: ["c", "r", "u", "d", "s"] });
    expect(one("user/Encounter.d")).toMatchObject({ context: "user", resource: "Encounter", permissions: ["d"] });
  });

  it("keeps out-of-order, undefined or empty permission suffixes as unknown, never throwing (3.2)", () => {
    for (const raw of [
      "patient/Obs.sr",
      "patient/Obs.xyz",
      "patient/Observation.",
      "patient/Observation.rr",
      "patient/Observation.dus",
    ]) {
      expect(one(raw)).toEqual({ kind: "unknown", raw });
    }
  });

  it("keeps malformed resource scopes as unknown", () => {
    for (const raw of [
      "nurse/Observation.rs",
      "patient/observation.rs",
      "patient/.rs",
      "patient/Observation",
      "Patient/Observation.rs",
      "patient/Obs.rs?",
      "patient/Obs.rs?category",
      "patient/Obs.rs?=x",
      "patient/Obs.rs?category=",
      "patient/Obs.rs?a=1&&b=2",
      "patient/Obs.read?category=x",
      "http://smarthealthit.org/fhir/scopes/patient/*.r",
    ]) {
      expect(one(raw), raw).toEqual({ kind: "unknown", raw });
    }
  });
});

describe("parseScope: legacy v1 scopes (checklist 3.7)", () => {
  it("normalises .read to rs, .write to cud and .* to cruds, keeping the spelling", () => {
    expect(one("patient/*.read")).toEqual({
      kind: "resource",
      raw: "patient/*.read",
      context: "patient",
      resource: "*",
      permissions: ["r", "s"],
      syntax: "v1",
      v1Access: "read",
      params: [],
    });
    expect(one("user/Observation.write")).toMatchObject({
      permissions: ["c", "u", "d"],
      v1Access: "write",
      syntax: "v1",
    });
    expect(one("system/*.*")).toMatchObject({ permissions: ["c", "r", "u", "d", "s"], v1Access: "*", syntax: "v1" });
  });

  it("formats v1 back as written and rewrites it to v2 on request", () => {
    const set = parseScope("patient/*.read user/Observation.write system/*.* openid");
    expect(set.scopes.map(formatScope)).toEqual(["patient/*.read", "user/Observation.write", "system/*.*", "openid"]);
    expect(set.toString()).toBe("patient/*.read user/Observation.write system/*.* openid");
    expect(set.toV2String()).toBe("patient/*.rs user/Observation.cud system/*.cruds openid");
  });
});

describe("parseScope: granular scopes (checklist 3.8, 3.9, 3.10)", () => {
  it("splits on the first '?' only, params on '&' and each on its first '=', values as written", () => {
    const raw = "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory";
    expect(one(raw)).toMatchObject({
      kind: "resource",
      resource: "Observation",
      permissions: ["r", "s"],
      params: [["category", "http://terminology.hl7.org/CodeSystem/observation-category|laboratory"]],
    });
    expect(one("patient/Observation.rs?code:in=http://vs?x&patient.birthdate=gt2000&_filter=a=b")).toMatchObject({
      params: [
        ["code:in", "http://vs?x"],
        ["patient.birthdate", "gt2000"],
        ["_filter", "a=b"],
      ],
    });
  });

  it("does not percent-decode values", () => {
    expect(one("patient/Observation.rs?code=http%3A%2F%2Floinc.org|1234-5")).toMatchObject({
      params: [["code", "http%3A%2F%2Floinc.org|1234-5"]],
    });
  });
});

describe("parseScope: identity, refresh and launch scopes (checklist 3.14, 3.15, 3.21, 3.27)", () => {
  it("reads the fixed tokens", () => {
    const set = parseScope("openid fhirUser profile offline_access online_access launch");
    expect(set.scopes.map((s) => s.kind)).toEqual([
      "openid",
      "fhirUser",
      "profile",
      "offline_access",
      "online_access",
      "launch",
    ]);
  });

  it("reads launch/<type> with an optional role (3.14, 3.15)", () => {
    expect(one("launch/patient")).toEqual({ kind: "launch-context", raw: "launch/patient", type: "patient" });
    expect(one("launch/encounter")).toEqual({ kind: "launch-context", raw: "launch/encounter", type: "encounter" });
    expect(one("launch/imagingstudy?role=https://example.org/role|primary")).toEqual({
      kind: "launch-context",
      raw: "launch/imagingstudy?role=https://example.org/role|primary",
      type: "imagingstudy",
      role: "https://example.org/role|primary",
    });
    for (const raw of [
      "launch/",
      "launch/patient?role=",
      "launch/patient?foo=bar",
      "launch/patient?role=a&b=c",
      "launch/pat-ient",
    ]) {
      expect(one(raw), raw).toEqual({ kind: "unknown", raw });
    }
  });

  it("keeps extension and unknown scopes, never dropping them (3.20)", () => {
    const set = parseScope("__profilePhoto.manage https://example.org/scope OpenID Launch/Patient");
    expect(set.scopes.map((s) => [s.kind, s.raw])).toEqual([
      ["unknown", "__profilePhoto.manage"],
      ["unknown", "https://example.org/scope"],
      ["unknown", "OpenID"],
      ["unknown", "Launch/Patient"],
    ]);
  });
});

describe("parseScope: whitespace and odd input (checklist 3.12, E19)", () => {
  it("splits on any run of ASCII whitespace and keeps the written order and repeats", () => {
    const set = parseScope("\t openid\n\npatient/*.rs \r\f openid  ");
    expect(set.scopes.map((s) => s.raw)).toEqual(["openid", "patient/*.rs", "openid"]);
    expect(set.toString()).toBe("openid patient/*.rs openid");
  });

  it("gives an empty set for empty, blank, null, undefined and non-string input", () => {
    for (const input of ["", "   \n", null, undefined, 42, {}, ["openid"]]) {
      const set = parseScope(input as string);
      expect(set.scopes).toEqual([]);
      expect(set.toString()).toBe("");
    }
  });

  it("keeps tokens with forbidden characters as unknown (E19)", () => {
    expect(one('patient/Observation.rs?q="x"')).toEqual({ kind: "unknown", raw: 'patient/Observation.rs?q="x"' });
    expect(one("patient/Observation.rs\u00a0")).toMatchObject({ kind: "unknown" });
  });
});

describe("formatScope", () => {
  it("writes user-built entries canonically", () => {
    expect(
      formatScope({
        kind: "resource",
        raw: "",
        context: "user",
        resource: "Patient",
        permissions: ["s", "r"],
        syntax: "v2",
        params: [],
      }),
    ).toBe("user/Patient.rs");
    expect(
      formatScope({
        kind: "resource",
        raw: "",
        context: "user",
        resource: "Patient",
        permissions: ["r", "s"],
        syntax: "v1",
        params: [],
      }),
    ).toBe("user/Patient.read");
    // v1 has no word for .r alone, so it is written in v2
    expect(
      formatScope({
        kind: "resource",
        raw: "",
        context: "user",
        resource: "Patient",
        permissions: ["r"],
        syntax: "v1",
        params: [],
      }),
    ).toBe("user/Patient.r");
    expect(formatScope({ kind: "launch-context", raw: "", type: "patient", role: "http://r" })).toBe(
      "launch/patient?role=http://r",
    );
    expect(formatScope({ kind: "offline_access", raw: "" })).toBe("offline_access");
    expect(formatScope({ kind: "unknown", raw: "__x" })).toBe("__x");
  });

  it("throws TypeError for entries it cannot write as one valid token", () => {
    const bad: unknown[] = [
      null,
      "openid",
      { kind: "nope", raw: "x" },
      { kind: "unknown", raw: "a b" },
      { kind: "unknown", raw: "" },
      { kind: "launch-context", raw: "", type: "" },
      { kind: "launch-context", raw: "", type: "patient", role: "a&b" },
      { kind: "resource", raw: "", context: "user", resource: "Patient", permissions: [], syntax: "v2", params: [] },
      { kind: "resource", raw: "", context: "user", resource: "Patient", permissions: ["x"], syntax: "v2", params: [] },
      {
        kind: "resource",
        raw: "",
        context: "admin",
        resource: "Patient",
        permissions: ["r"],
        syntax: "v2",
        params: [],
      },
    ];
    for (const p of bad) expect(() => formatScope(p as ParsedScope), JSON.stringify(p)).toThrow(TypeError);
  });
});
