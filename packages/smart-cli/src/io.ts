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

/** A bad command line: shown with the command's usage, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** An operation that failed for a reason the user can act on: one line plus a hint, exit 1. */
export class CliError extends Error {
  override name = "CliError";
  readonly hint: string | undefined;
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.hint = hint;
  }
}
