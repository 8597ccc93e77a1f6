/** Where the CLI writes and what it knows of its terminal; runCli takes one so tests inject their own. */
export interface CliIo {
  /** Results (text or JSON). */
  stdout: (text: string) => void;
  /** Progress, prompts, the launch URL, errors. */
  stderr: (text: string) => void;
  /** Environment: NO_COLOR, FORCE_COLOR. */
  env: Record<string, string | undefined>;
  /** Whether stdout is a terminal: colours and the spinner only then. */
  isTTY: boolean;
  /** Opens a URL in the system browser; failures are ignored. */
  openUrl: (url: string) => void;
  /** Clock in epoch ms (default Date.now), for "expires in 4 minutes". */
  now: () => number;
  /** What `--version` prints (the bin reads it from package.json). */
  version?: string;
  /** Aborts a waiting `launch` (Ctrl-C). */
  signal?: AbortSignal;
}

/** Exit codes (documented in the README). */
export const ExitCode = {
  /** Done; every check PASS or WARN. */
  Ok: 0,
  /** A check FAILed, or the operation failed (network, server error, invalid token). */
  Failed: 1,
  /** Bad command line: unknown command or option, missing argument. */
  Usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The `error.code` of `--json` output for the CLI's own errors (the library's errors keep their own codes). */
export const CliErrorCode = {
  /** A bad command line (UsageError). */
  Usage: "usage",
  /** An operation that failed for a reason the user can act on (CliError). */
  Failed: "failed",
} as const;
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

const USAGE = Symbol.for("@fhir-dsl/smart-cli/UsageError");
const FAILED = Symbol.for("@fhir-dsl/smart-cli/CliError");
const branded = (value: unknown, brand: symbol): boolean => (value as Record<symbol, unknown> | null)?.[brand] === true;

/** A bad command line: shown with the command's usage, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
  readonly code = CliErrorCode.Usage;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, USAGE, { value: true });
  }
  /** True for a UsageError from any copy of this package (a `Symbol.for` brand, not `instanceof`). */
  static is(value: unknown): value is UsageError {
    return branded(value, USAGE);
  }
}

/** An operation that failed for a reason the user can act on: one line plus a hint, exit 1. */
export class CliError extends Error {
  override name = "CliError";
  readonly code = CliErrorCode.Failed;
  readonly hint: string | undefined;
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.hint = hint;
    Object.defineProperty(this, FAILED, { value: true });
  }
  /** True for a CliError from any copy of this package (a `Symbol.for` brand, not `instanceof`). */
  static is(value: unknown): value is CliError {
    return branded(value, FAILED);
  }
}
