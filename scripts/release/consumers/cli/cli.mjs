// The smart CLI installed alone from its tarball: the bin runs, --help and --version exit 0, a usage error
// exits 2, and --json output is what the shipped schema (dist/output.schema.json) describes at its top level.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const bin = "node_modules/.bin/smart";
const smart = (...args) => spawnSync(bin, args, { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
const expect = (ok, what) => {
  if (!ok) {
    console.error(`expected ${what}`);
    process.exit(1);
  }
};

const help = smart("--help");
expect(
  help.status === 0 && /^smart: ask a SMART on FHIR server/.test(help.stdout),
  `smart --help to exit 0 with the usage, got ${help.status}: ${help.stderr}`,
);
for (const command of ["discover", "check", "token", "launch", "decode", "scopes"]) {
  const r = smart(command, "--help");
  expect(
    r.status === 0 && r.stdout.includes(`Usage: smart ${command}`) && r.stdout.includes("Examples:"),
    `smart ${command} --help to exit 0`,
  );
}
const version = JSON.parse(readFileSync("node_modules/@fhir-dsl/smart-cli/package.json", "utf8")).version;
expect(smart("--version").stdout.trim() === version, `smart --version to print ${version}`);
expect(smart("frobnicate").status === 2, "an unknown command to exit 2");
const scopes = smart("scopes", "patient/*.read launch/patient", "--json");
const out = JSON.parse(scopes.stdout);
const schema = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("@fhir-dsl/smart-cli/output.schema.json"), "utf8"),
);
expect(
  scopes.status === 0 &&
    out.schemaVersion === schema.properties.schemaVersion.const &&
    out.command === "scopes" &&
    out.scopes[0].v2 === "patient/*.rs",
  "smart scopes --json to follow the shipped schema",
);
const { runCli } = await import("@fhir-dsl/smart-cli");
expect(typeof runCli === "function", "runCli exported");
console.log(`smart ${version}: --help for 6 commands, --version, exit 2 on usage, --json scopes`);
