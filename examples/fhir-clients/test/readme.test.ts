// Issue 19: the README's headline example runs with what a user can install (no @fhir-dsl/core), and every
// recipe of "Using it with a FHIR client" type-checks as written against the clients' own types (typecheck script).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readmeSection, recipe, runCode, tsBlocks } from "./recipes.js";
import { startBackendServer, type BackendServer } from "./sandbox.js";

const headline = tsBlocks(readmeSection("Backend Services"))[0]!;
const installLine = /```sh\n(npm install [^\n]*)\n```/.exec(readmeSection("Install"))![1]!;
const CLIENTS = ["@medplum/core", "fhir-kit-client", "fhirclient"];

let server: BackendServer;
beforeAll(async () => {
  server = await startBackendServer();
});
afterAll(() => server?.sandbox.close());

describe("packages/smart README (issue 19)", () => {
  it("the install line names every package the headline example imports, and @fhir-dsl/core is not one of them", () => {
    const imported = [...headline.matchAll(/from "([^"]+)"/g)].map((m) => m[1]!);
    expect(imported).toEqual(["@fhir-dsl/smart"]);
    expect(installLine.split(/\s+/).slice(2)).toEqual(["@fhir-dsl/smart"]);
  });

  it("the headline Backend Services example runs as written against the sandbox (only its URL swapped)", async () => {
    const saved = process.env.PRIVATE_KEY;
    process.env.PRIVATE_KEY = server.privateKeyPem;
    try {
      const code = headline.replaceAll("https://fhir.example.com/r4", server.sandbox.fhirBaseUrl);
      const { res, patients } = await runCode<{ res: Response; patients: { resourceType: string; entry: unknown[] } }>(
        code,
        undefined,
        ["res", "patients"],
      );
      expect(res.status).toBe(200);
      expect(patients).toMatchObject({ resourceType: "Bundle" });
      expect(patients.entry).toHaveLength(5);
    } finally {
      if (saved === undefined) delete process.env.PRIVATE_KEY;
      else process.env.PRIVATE_KEY = saved;
    }
  });

  // The recipes are written out as test/readme-recipes/*.ts, which `pnpm --filter @example/fhir-clients typecheck`
  // compiles with `auth` typed as either provider; a README edit fails here until `vitest -u` rewrites them.
  it.each(CLIENTS)("the %s recipe, as type-checked in test/readme-recipes, is the README's", async (name) => {
    const imports = recipe(name)
      .split("\n")
      .filter((l) => l.startsWith("import "));
    const body = recipe(name)
      .split("\n")
      .filter((l) => !l.startsWith("import "));
    const prelude = [
      "// Written by readme.test.ts from packages/smart/README.md: do not edit (vitest -u rewrites it).",
      'import type { BackendServicesAuth, SmartClient } from "@fhir-dsl/smart";',
      ...imports,
      "",
      "declare const auth: BackendServicesAuth | SmartClient;",
      "declare const fhirBaseUrl: string;",
    ];
    const file = `./readme-recipes/${name.replace(/^@/, "").replace(/\//g, "-")}.ts`;
    await expect(`${prelude.join("\n")}\n${body.join("\n")}\nexport {};\n`).toMatchFileSnapshot(file);
  });
});
