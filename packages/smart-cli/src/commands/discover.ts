import { capabilitySets } from "@fhir-dsl/smart";
import type { Command } from "../command.js";
import { lintDocument, URL_FIELDS, type Problem } from "../document-lint.js";
import { fetchConfiguration } from "../fetch-config.js";
import { UsageError } from "../io.js";
import { table, type Paint } from "../style.js";

export function problemLines(problems: Problem[], paint: Paint): string {
  if (!problems.length) return `  ${paint.green("none")}`;
  return problems
    .map(
      (p) =>
        `  ${p.severity === "error" ? paint.red("error  ") : paint.yellow("warning")} ${p.field && !p.message.startsWith(p.field) ? `${p.field}: ` : ""}${p.message}\n          ${paint.dim(p.spec)}`,
    )
    .join("\n");
}

const LISTS: [string, string][] = [
  ["capabilities", "capabilities"],
  ["grant types", "grant_types_supported"],
  ["client auth", "token_endpoint_auth_methods_supported"],
  ["signing algs", "token_endpoint_auth_signing_alg_values_supported"],
  ["PKCE methods", "code_challenge_methods_supported"],
  ["response types", "response_types_supported"],
  ["scopes", "scopes_supported"],
];

export const discoverCommand: Command = {
  name: "discover",
  summary: "fetch and validate .well-known/smart-configuration",
  usage: "smart discover <fhir-base>",
  help: `Fetches {fhir-base}/.well-known/smart-configuration, validates it as the library does, and shows the
endpoints, capabilities, capability sets, grant types, client authentication methods and scopes, then every
problem found with the spec section it breaks. Exit 1 when the library refuses the document.

Examples:
  smart discover https://launch.smarthealthit.org/v/r4/fhir
  smart discover http://127.0.0.1:8080/fhir --json | jq .configuration.token_endpoint`,
  options: {},
  async run({ positionals, paint, spin, transport }) {
    const [fhirBaseUrl] = positionals;
    if (positionals.length !== 1 || !fhirBaseUrl) throw new UsageError("pass one FHIR base URL");
    const fetched = await spin(
      `GET ${fhirBaseUrl}/.well-known/smart-configuration`,
      fetchConfiguration(fhirBaseUrl, transport),
    );
    const problems = fetched.raw === undefined ? [] : lintDocument(fetched.raw, fhirBaseUrl);
    if (fetched.error) {
      problems.unshift({
        severity: "error",
        ...(fetched.error.field !== undefined && { field: fetched.error.field }),
        message: `refused by the library: ${fetched.error.message} (${fetched.error.code})`,
        spec: "https://hl7.org/fhir/smart-app-launch/conformance.html#using-well-known",
      });
    }
    const config = fetched.config;
    const sets = config ? capabilitySets(config) : [];
    const lines = [`${paint.bold("SMART configuration")} ${fetched.url}`];
    if (config) {
      const endpoints = (["issuer", ...URL_FIELDS] as string[])
        .filter((f) => typeof config[f] === "string")
        .map((f) => [f, String(config[f])]);
      lines.push(paint.bold("endpoints"), table(endpoints));
      lines.push(
        paint.bold("supports"),
        table(
          LISTS.map(([label, field]) => [
            label,
            Array.isArray(config[field]) ? (config[field] as string[]).join(" ") || "-" : paint.dim("(not listed)"),
          ]),
        ),
      );
      lines.push(paint.bold("capability sets"), `  ${sets.join(" ") || "none complete"}`);
    }
    lines.push(paint.bold("problems"), problemLines(problems, paint));
    return {
      exitCode: config ? 0 : 1,
      data: {
        fhirBaseUrl,
        url: fetched.url,
        valid: config !== undefined,
        configuration: config ?? null,
        capabilitySets: sets,
        problems,
      },
      text: lines.join("\n"),
    };
  },
};
