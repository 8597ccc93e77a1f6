import { describe, expect, it } from "vitest";
import { json, run, schemaValidator } from "./support/cli.js";

describe("smart scopes: each scope in words (SMART 2.2 scopes-and-launch-context.html)", () => {
  it("explains v1, v2, granular, launch, OpenID and unknown scopes", async () => {
    const r = await run([
      "scopes",
      "patient/Observation.rs?category=laboratory user/*.read system/Patient.cud launch launch/patient launch/encounter openid fhirUser profile offline_access online_access acme:thing",
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(12);
    const line = (scope: string) => lines.find((l) => l.trim().startsWith(`${scope} `)) ?? "";
    expect(line("patient/Observation.rs?category=laboratory")).toMatch(
      /read and search Observation resources of the patient in context where category=laboratory \(granular scope\)/,
    );
    expect(line("user/*.read")).toMatch(
      /read and search resources of every type that the signed-in user may access \(SMART v1 syntax; v2: user\/\*\.rs\)/,
    );
    expect(line("system/Patient.cud")).toMatch(/create, update and delete Patient resources as the client itself/);
    expect(line("launch")).toMatch(/EHR launch/);
    expect(line("launch/patient")).toMatch(/standalone launch: the server asks the user to pick a patient/);
    expect(line("openid")).toMatch(/id_token/);
    expect(line("fhirUser")).toMatch(/fhirUser claim/);
    expect(line("profile")).toMatch(/legacy/);
    expect(line("offline_access")).toMatch(/refresh token/);
    expect(line("online_access")).toMatch(/online/);
    expect(line("acme:thing")).toMatch(/not a SMART scope/);
  });

  it("--json lists each scope's parts and a spec link, valid against the schema", async () => {
    const out = json(await run(["scopes", "patient/*.read launch/patient", "--json"]));
    expect(out).toMatchObject({ schemaVersion: 1, command: "scopes", ok: true });
    expect(out.scopes).toEqual([
      expect.objectContaining({
        scope: "patient/*.read",
        kind: "resource",
        syntax: "v1",
        context: "patient",
        resource: "*",
        permissions: ["r", "s"],
        v2: "patient/*.rs",
      }),
      expect.objectContaining({
        scope: "launch/patient",
        kind: "launch-context",
        spec: expect.stringMatching(/#scopes-for-requesting-context-data$/),
      }),
    ]);
  });

  it("--diff shows narrowed, dropped, widened and added scopes (checklist 3.12, E1)", async () => {
    const r = await run([
      "scopes",
      "--diff",
      "patient/*.rs offline_access patient/Condition.r",
      "patient/Observation.rs patient/Condition.cruds openid",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/narrowed: patient\/\*\.rs was granted only in part/);
    expect(r.stdout).toMatch(/dropped: {2}offline_access was not granted/);
    expect(r.stdout).toMatch(/widened: {2}patient\/Condition\.cruds reaches beyond what was requested/);
    expect(r.stdout).toMatch(/added: {4}openid was granted without being requested/);
    const out = json(
      await run(["scopes", "--diff", "patient/*.rs offline_access", "patient/Observation.rs", "--json"]),
    );
    expect(out.diff).toEqual({
      requested: "patient/*.rs offline_access",
      granted: "patient/Observation.rs",
      missing: ["patient/*.rs", "offline_access"],
      added: [],
      narrowed: ["patient/*.rs"],
      widened: [],
      unchanged: false,
    });
  });

  it("--diff of v1 against the same v2 grant is unchanged (.read = .rs)", async () => {
    const r = await run(["scopes", "--diff", "patient/*.read user/Patient.write", "patient/*.rs user/Patient.cud"]);
    expect(r.stdout).toMatch(/granted exactly what was requested/);
  });

  it("bad command lines exit 2 with the usage: no scopes, --diff with one argument, unknown option", async () => {
    for (const argv of [
      ["scopes"],
      ["scopes", "--diff", "patient/*.rs"],
      ["scopes", "a", "--nope"],
      ["scopes", "   "],
    ]) {
      const r = await run(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/Usage: smart scopes/);
      expect(r.stdout).toBe("");
    }
  });

  it("the schema checker rejects output that breaks the schema (so the validations above mean something)", () => {
    expect(
      schemaValidator.validate({ schemaVersion: 1, command: "scopes", ok: true, scopes: [{ scope: "x" }] }).valid,
    ).toBe(false);
    expect(schemaValidator.validate({ schemaVersion: 2, command: "scopes", ok: true, scopes: [] }).valid).toBe(false);
    expect(
      schemaValidator.validate({
        schemaVersion: 1,
        command: "check",
        ok: true,
        checks: [
          { id: "https", title: "t", status: "OK", reason: "r", spec: "https://hl7.org/fhir/smart-app-launch/x" },
        ],
        fhirBaseUrl: "x",
        summary: { pass: 0, warn: 0, fail: 0, skip: 0 },
      }).valid,
    ).toBe(false);
    expect(
      schemaValidator.validate({
        schemaVersion: 1,
        command: "token",
        ok: false,
        error: { code: "usage", message: "m" },
      }).valid,
    ).toBe(true);
  });
});
