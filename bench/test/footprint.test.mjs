// Install-footprint budgets: "install only what you need", counted from the installed dependency graph.
import { describe, expect, it } from "vitest";
import { installFootprint } from "../src/footprint.mjs";
import { table } from "../src/format.mjs";

describe("install footprint", () => {
  it("@fhir-dsl/smart-scopes installs itself only", () => {
    const scopes = installFootprint("@fhir-dsl/smart-scopes");
    expect(scopes.list).toEqual([expect.stringMatching(/^@fhir-dsl\/smart-scopes@/)]);
    expect(scopes.requiredPeers).toEqual([]);
  });

  it("@fhir-dsl/smart installs at most its four siblings, jose and oauth4webapi: <= 7 packages, no adapter, no peer", () => {
    const smart = installFootprint("@fhir-dsl/smart");
    const allowed = [
      "@fhir-dsl/smart",
      "@fhir-dsl/smart-discovery",
      "@fhir-dsl/smart-pkce",
      "@fhir-dsl/smart-scopes",
      "@fhir-dsl/token-store",
      "jose",
      "oauth4webapi",
    ];
    const names = smart.list.map((p) => p.replace(/@[^@]+$/, ""));
    expect(names.filter((name) => !allowed.includes(name))).toEqual([]);
    expect(names).toContain("@fhir-dsl/smart-scopes");
    expect(smart.packages).toBeLessThanOrEqual(7);
    expect(smart.requiredPeers).toEqual([]);
  });

  it("adapters add one package each and leave their client library to the user (peer)", () => {
    expect(installFootprint("@fhir-dsl/token-store-redis")).toMatchObject({
      packages: 2,
      requiredPeers: [expect.stringMatching(/^ioredis@/)],
    });
    expect(installFootprint("@fhir-dsl/token-store-kms")).toMatchObject({
      packages: 2,
      requiredPeers: [expect.stringMatching(/^@aws-sdk\/client-kms@/)],
    });
  });

  it("counts fhirclient's graph the same way (the comparison is like for like)", () => {
    const fhirclient = installFootprint("fhirclient");
    expect(fhirclient.packages).toBeGreaterThan(10);
    expect(fhirclient.list).toContain("fhirclient@2.6.3");
  });
});

describe("report table", () => {
  it("escapes | in cells so peer ranges do not break the markdown table", () => {
    const out = table(["peer"], [["ioredis@^5 || ^6"]]).split("\n");
    expect(out[2]).toBe("| ioredis@^5 \\|\\| ^6 |");
  });
});
