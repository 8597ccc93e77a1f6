import { readFileSync } from "node:fs";
import { Validator } from "@cfworker/json-schema";
import { expect } from "vitest";
import { runCli, type CliIo } from "../../src/index.js";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output; not a terminal, no browser, unless overridden. */
export async function run(argv: string[], io: Partial<CliIo> = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: (t) => (stdout += `${t}\n`),
    stderr: (t) => (stderr += t),
    env: {},
    isTTY: false,
    openUrl: () => {},
    ...io,
  });
  return { code, stdout, stderr };
}

const schema = JSON.parse(readFileSync(new URL("../../schema/output.schema.json", import.meta.url), "utf8")) as object;
const validator = new Validator(schema as never, "2020-12", false);

/** Parses `--json` stdout and checks it against schema/output.schema.json. */
export function json(result: Run): Record<string, unknown> {
  const value = JSON.parse(result.stdout) as Record<string, unknown>;
  const verdict = validator.validate(value);
  expect(
    verdict.errors.map((e) => `${e.instanceLocation}: ${e.error}`),
    "output.schema.json",
  ).toEqual([]);
  return value;
}

export const schemaValidator = validator;

/** True when the text has ANSI colour codes. */
export const hasAnsi = (text: string): boolean => /\u001b\[\d+m/.test(text);
