// @fhir-dsl/smart-cli: the `smart` command line, also callable in-process (tests, scripts).
export { runCli, COMMANDS, JSON_SCHEMA_VERSION } from "./main.js";
export { CliError, CliErrorCode, ExitCode, UsageError, type CliIo } from "./io.js";
export { explainScope, explainScopes, type ExplainedScope } from "./explain.js";
export type { CheckResult, Status as CheckStatus } from "./commands/check.js";
