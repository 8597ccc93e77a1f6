import { describe, expect, it } from "vitest";
import { CliError, CliErrorCode, UsageError } from "../src/index.js";
import { run } from "./support/cli.js";

// Issue 16 item 4: the CLI's own errors carry the `--json` error code and an `is()` guard across package copies.
describe("UsageError / CliError (issue 16 item 4)", () => {
  it("carry the snake_case code the --json envelope prints, and is() tells them apart", () => {
    const usage = new UsageError("bad flag");
    const failed = new CliError("no answer", "raise --timeout");
    expect(usage.code).toBe(CliErrorCode.Usage);
    expect(failed.code).toBe(CliErrorCode.Failed);
    expect(UsageError.is(usage) && !CliError.is(usage)).toBe(true);
    expect(CliError.is(failed) && !UsageError.is(failed)).toBe(true);
    for (const value of [
      new Error("x"),
      { name: "UsageError" },
      { name: "CliError", code: "failed" },
      null,
      undefined,
    ]) {
      expect(UsageError.is(value) || CliError.is(value)).toBe(false);
    }
    // another copy of the package: not instanceof, same registered brand
    const foreign = Object.assign(new Error("x"), { [Symbol.for("@fhir-dsl/smart-cli/UsageError")]: true });
    expect(foreign instanceof UsageError).toBe(false);
    expect(UsageError.is(foreign)).toBe(true);
  });

  it("a bad command line prints code usage in --json and exits 2", async () => {
    const r = await run(["scopes", "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: CliErrorCode.Usage } });
  });
});
