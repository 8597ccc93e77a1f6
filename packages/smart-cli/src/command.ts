import type { ParseArgsConfig } from "node:util";
import type { CliIo } from "./io.js";
import type { Paint } from "./style.js";

export type Options = NonNullable<ParseArgsConfig["options"]>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What a command gets to run with. */
export interface Context {
  io: CliIo;
  values: Values;
  positionals: string[];
  json: boolean;
  paint: Paint;
  /** Runs `work` behind a spinner (terminal only, never with --json). */
  spin<T>(label: string, work: Promise<T>): Promise<T>;
  /** Transport options for the library: timeout and the insecure-http switch. */
  transport: { timeoutMs: number; allowInsecureRequests: boolean };
}

/** A command's JSON result: printed with the common envelope under --json. */
export interface Outcome {
  exitCode: number;
  data: Record<string, unknown>;
  /** The human-readable form. */
  text: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Help text after the usage line: options and examples. */
  help: string;
  options: Options;
  run(ctx: Context): Promise<Outcome>;
}

/** Shared options of every command. */
export const GLOBAL_OPTIONS: Options = {
  json: { type: "boolean" },
  debug: { type: "boolean" },
  "no-color": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  timeout: { type: "string" },
  "allow-insecure-http": { type: "boolean" },
};

export const GLOBAL_HELP = `Options of every command:
  --json                  machine-readable output on stdout (output.schema.json in the package)
  --timeout <ms>          per-request timeout (default 10000)
  --allow-insecure-http   allow plain http to hosts other than loopback (never for real data)
  --no-color              no colours (also: NO_COLOR set, or output not a terminal)
  --debug                 stack traces on errors
  -h, --help              this help`;
