import { parseArgs } from "node:util";
import { DiscoveryError, SmartAuthError } from "@fhir-dsl/smart";
import { GLOBAL_HELP, GLOBAL_OPTIONS, type Command, type Context } from "./command.js";
import { checkCommand } from "./commands/check.js";
import { decodeCommand } from "./commands/decode.js";
import { discoverCommand } from "./commands/discover.js";
import { launchCommand } from "./commands/launch.js";
import { scopesCommand } from "./commands/scopes.js";
import { tokenCommand } from "./commands/token.js";
import { CliError, ExitCode, UsageError, type CliIo } from "./io.js";
import { painter, withSpinner } from "./style.js";

/** Version of the `--json` envelope; raised only on a breaking change of the documented output. */
export const JSON_SCHEMA_VERSION = 1;

export const COMMANDS: readonly Command[] = [
  discoverCommand,
  checkCommand,
  tokenCommand,
  launchCommand,
  decodeCommand,
  scopesCommand,
];

const MAIN_HELP = `smart: ask a SMART on FHIR server from a terminal (SMART App Launch 2.2)

Usage: smart <command> [options]
       smart --version

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)}${c.summary}`).join("\n")}

${GLOBAL_HELP}

Exit codes: 0 ok, 1 a check failed or the operation failed, 2 bad command line.
Run "smart <command> --help" for a command's options and examples.`;

const helpOf = (c: Command) => `Usage: ${c.usage}\n\n${c.help}\n\n${GLOBAL_HELP}`;

const defaultIo = (): CliIo => ({
  stdout: (t) => process.stdout.write(`${t}\n`),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  isTTY: process.stdout.isTTY === true,
  openUrl: () => {},
  now: Date.now,
});

/**
 * Runs the `smart` command line and resolves to its exit code (0 ok, 1 failed, 2 usage). Never throws and
 * never calls process.exit: the caller sets the exit code.
 */
export async function runCli(argv: readonly string[], ioOverrides: Partial<CliIo> = {}): Promise<number> {
  const io: CliIo = { ...defaultIo(), ...ioOverrides };
  const [name, ...rest] = argv;
  const early = helpOrVersion(io, name, rest);
  if (early !== undefined) return early;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`smart: unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(", ")}\n`);
    io.stderr('Run "smart --help" for usage.\n');
    return ExitCode.Usage;
  }
  return runCommand(io, command, rest);
}

/** `smart`, `smart --help`, `smart help <command>`, `smart --version`: answered without running a command. */
function helpOrVersion(io: CliIo, name: string | undefined, rest: readonly string[]): number | undefined {
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.stdout(topic ? helpOf(topic) : MAIN_HELP);
    return name === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  if (name === "--version" || name === "-v") {
    io.stdout(io.version ?? "unknown");
    return ExitCode.Ok;
  }
  return undefined;
}

/** Parses one command's options and runs it; every failure becomes an exit code and a line on stderr. */
async function runCommand(io: CliIo, command: (typeof COMMANDS)[number], rest: readonly string[]): Promise<number> {
  const line = (t: string) => io.stderr(`${t}\n`);
  let values: Context["values"];
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...rest],
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    line(`smart ${command.name}: ${(error as Error).message}`);
    line(`Usage: ${command.usage}\nRun "smart ${command.name} --help" for options and examples.`);
    return ExitCode.Usage;
  }
  if (values.help) {
    io.stdout(helpOf(command));
    return ExitCode.Ok;
  }
  const json = values.json === true;
  const paint = painter(io, !json && values["no-color"] !== true);
  const envelope = (ok: boolean, body: Record<string, unknown>) =>
    JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, command: command.name, ok, ...body }, null, 2);
  try {
    const timeoutMs = values.timeout === undefined ? 10_000 : Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
      throw new UsageError("--timeout must be a positive whole number of milliseconds");
    const ctx: Context = {
      io,
      values,
      positionals,
      json,
      paint,
      spin: (label, work) => withSpinner(io, !json, label, work),
      transport: { timeoutMs, allowInsecureRequests: values["allow-insecure-http"] === true },
    };
    const outcome = await command.run(ctx);
    io.stdout(json ? envelope(outcome.exitCode === 0, outcome.data) : outcome.text);
    return outcome.exitCode;
  } catch (error) {
    const usage = UsageError.is(error);
    const { message, hint, code } = describe(error);
    if (json) io.stdout(envelope(false, { error: { code, message, ...(hint && { hint }) } }));
    line(`${paint.red("error")} smart ${command.name}: ${message}`);
    if (hint) line(`${paint.dim("hint")}  ${hint}`);
    if (usage) line(`Usage: ${command.usage}`);
    if (values.debug && error instanceof Error) line(stack(error));
    return usage ? ExitCode.Usage : ExitCode.Failed;
  }
}

/** One line and a hint for each kind of error; never a token (the library's errors carry none). */
function describe(error: unknown): { message: string; hint?: string; code: string } {
  if (UsageError.is(error)) return { message: error.message, code: error.code };
  if (CliError.is(error)) return { message: error.message, ...(error.hint && { hint: error.hint }), code: error.code };
  if (SmartAuthError.is(error)) {
    const detail = error.error ? ` [${error.error}${error.errorDescription ? `: ${error.errorDescription}` : ""}]` : "";
    const hints: Record<string, string> = {
      token_endpoint_error:
        "check the client id, the key id (--kid) and that the public key is registered with the server",
      network_error: "is the server up? check the URL",
      timeout: "raise --timeout, or check the network",
      insecure_url: "use https; --allow-insecure-http allows plain http (never for real data)",
      authorization_denied: "the user or the server refused: check the client's registered scopes and redirect URI",
      invalid_id_token: "the id_token did not verify: check the server's issuer and jwks_uri (smart check)",
    };
    return {
      message: `${error.message}${detail} (${error.code})`,
      ...(hints[error.code] && { hint: hints[error.code] }),
      code: error.code,
    };
  }
  if (DiscoveryError.is(error))
    return { message: `${error.message} (${error.code})`, hint: "run: smart discover <fhir-base>", code: error.code };
  if (error instanceof TypeError) return { message: error.message, code: "type_error" };
  return { message: error instanceof Error ? error.message : String(error), code: "internal" };
}

function stack(error: Error): string {
  const lines = [error.stack ?? String(error)];
  for (let cause = error.cause, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++)
    lines.push(`caused by: ${cause.stack ?? cause.message}`);
  return lines.join("\n");
}
