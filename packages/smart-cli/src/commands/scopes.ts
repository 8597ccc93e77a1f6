import type { Command } from "../command.js";
import { diffLines, explainScopes, scopeDiffJson, type ExplainedScope } from "../explain.js";
import { UsageError } from "../io.js";
import { table, type Paint } from "../style.js";

/** Rows of explained scopes, for every command that shows scopes. */
export function scopeRows(scopes: ExplainedScope[], paint: Paint): string {
  return scopes.length ? table(scopes.map((s) => [paint.bold(s.scope), s.explanation])) : "  (none)";
}

export const scopesCommand: Command = {
  name: "scopes",
  summary: "explain scopes in words; --diff shows what a server narrowed or widened",
  usage: 'smart scopes "<scopes>"\n       smart scopes --diff "<requested>" "<granted>"',
  help: `Explains each scope (SMART v1 and v2 resource scopes, granular scopes, launch, launch/<type>,
openid, fhirUser, offline_access, online_access). With --diff, compares a requested scope string with
the granted one: scopes are unions (.rs + .cud = .cruds), v1 and v2 spellings are equal, * covers every type.

Options:
  --diff                  compare "<requested>" with "<granted>"

Examples:
  smart scopes "launch/patient openid fhirUser patient/Observation.rs?category=laboratory"
  smart scopes "patient/*.read user/Patient.write"
  smart scopes --diff "patient/*.rs offline_access" "patient/Observation.rs"`,
  options: { diff: { type: "boolean" } },
  async run({ values, positionals, paint }) {
    if (values.diff) {
      if (positionals.length !== 2) throw new UsageError('--diff takes two arguments: "<requested>" "<granted>"');
      const [requested = "", granted = ""] = positionals;
      const diff = scopeDiffJson(requested, granted);
      const scopes = { requested: explainScopes(requested), granted: explainScopes(granted) };
      const text = [
        paint.bold("requested"),
        scopeRows(scopes.requested, paint),
        paint.bold("granted"),
        scopeRows(scopes.granted, paint),
        paint.bold("difference"),
        ...diffLines(diff).map((l) => `  ${diff.unchanged ? paint.green(l) : paint.yellow(l)}`),
      ].join("\n");
      return { exitCode: 0, data: { diff, scopes }, text };
    }
    if (positionals.length !== 1)
      throw new UsageError('pass the scopes as one argument, in quotes: smart scopes "patient/*.rs openid"');
    const scopes = explainScopes(positionals[0] ?? "");
    if (!scopes.length) throw new UsageError("the scope string is empty");
    return { exitCode: 0, data: { scopes }, text: scopeRows(scopes, paint) };
  },
};
