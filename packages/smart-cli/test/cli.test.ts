import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../src/index.js";
import { withSpinner } from "../src/style.js";
import { hasAnsi, run } from "./support/cli.js";

const BIN = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const exec = promisify(execFile);
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(() => sandbox.close());

describe("smart: what users expect of a CLI", () => {
  it("--help for every command: usage, options and examples, exit 0", async () => {
    for (const { name } of COMMANDS) {
      for (const argv of [
        [name, "--help"],
        [name, "-h"],
        ["help", name],
      ]) {
        const r = await run(argv);
        expect(r.code, argv.join(" ")).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^Usage: smart ${name}`));
        expect(r.stdout).toMatch(/\nExamples:\n {2}smart /);
        expect(r.stdout).toMatch(/--json/);
      }
    }
    const main = await run(["--help"]);
    expect(main.code).toBe(0);
    for (const { name } of COMMANDS) expect(main.stdout).toMatch(new RegExp(`^ {2}${name} `, "m"));
    expect(main.stdout).toMatch(/Exit codes: 0 ok, 1 a check failed or the operation failed, 2 bad command line/);
    expect((await run([])).code).toBe(2);
  });

  it("unknown command or option: exit 2, message on stderr, nothing on stdout", async () => {
    for (const argv of [
      ["nope"],
      ["check", "--frobnicate"],
      ["discover", "--timeout"],
      ["discover", sandbox.fhirBaseUrl, "--timeout", "soon"],
    ]) {
      const r = await run(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).not.toBe("");
    }
  });

  it("colours only on a terminal, never with NO_COLOR, --no-color or --json", async () => {
    const argv = ["check", sandbox.fhirBaseUrl];
    expect(hasAnsi((await run(argv, { isTTY: true })).stdout)).toBe(true);
    expect(hasAnsi((await run(argv, { isTTY: false })).stdout)).toBe(false);
    expect(hasAnsi((await run(argv, { isTTY: true, env: { NO_COLOR: "1" } })).stdout)).toBe(false);
    expect(hasAnsi((await run([...argv, "--no-color"], { isTTY: true })).stdout)).toBe(false);
    const asJson = await run([...argv, "--json"], { isTTY: true });
    expect(hasAnsi(asJson.stdout + asJson.stderr)).toBe(false);
  });

  it("a progress spinner on stderr only on a terminal, erased after; none in --json or off a terminal", async () => {
    const wait = new Promise((resolve) => setTimeout(resolve, 250, "done"));
    let tty = "";
    const io = {
      stdout: () => {},
      stderr: (t: string) => (tty += t),
      env: {},
      isTTY: true,
      openUrl: () => {},
      now: Date.now,
    };
    await expect(withSpinner(io, true, "waiting", wait)).resolves.toBe("done");
    expect(tty).toMatch(/^\r[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting/);
    expect(tty).toMatch(/\r {9}\r$/);
    let piped = "";
    await withSpinner(
      { ...io, isTTY: false, stderr: (t: string) => (piped += t) },
      true,
      "waiting",
      new Promise((r) => setTimeout(r, 200)),
    );
    expect(piped).toBe("");
    expect((await run(["discover", sandbox.fhirBaseUrl], { isTTY: true })).stderr).toMatch(/\r {2,}\r$/);
    expect((await run(["discover", sandbox.fhirBaseUrl], { isTTY: false })).stderr).toBe("");
    expect((await run(["discover", sandbox.fhirBaseUrl, "--json"], { isTTY: true })).stderr).toBe("");
  });

  it("errors: one line plus a hint; the stack only with --debug", async () => {
    const r = await run(["decode", "a.b"]);
    expect(r.stderr.trim().split("\n")).toHaveLength(2);
    expect(r.stderr).not.toMatch(/\n +at /);
    expect((await run(["decode", "a.b", "--debug"])).stderr).toMatch(/\n +at /);
  });

  // CI always builds first: there a missing binary is a failure, not a reason to skip
  describe.runIf(existsSync(BIN) || process.env.CI)("the built binary", () => {
    it("ships schema/output.schema.json unchanged as dist/output.schema.json (exports ./output.schema.json)", () => {
      const read = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), "utf8");
      expect(read("../dist/output.schema.json")).toBe(read("../schema/output.schema.json"));
    });

    it("smart --help and --version from dist/cli.js exit 0", async () => {
      const help = await exec(process.execPath, [BIN, "--help"]);
      expect(help.stdout).toMatch(/^smart: ask a SMART on FHIR server/);
      const version = await exec(process.execPath, [BIN, "--version"]);
      expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    });

    it("exit codes from a child process: 0 check passes, 1 failure, 2 usage; no colours when piped even without NO_COLOR", async () => {
      const env = { ...process.env, NO_COLOR: "", FORCE_COLOR: "" };
      const ok = await exec(process.execPath, [BIN, "check", sandbox.fhirBaseUrl], { env });
      expect(ok.stdout).toMatch(/0 fail/);
      expect(hasAnsi(ok.stdout + ok.stderr)).toBe(false);
      const code = (argv: string[]) =>
        exec(process.execPath, [BIN, ...argv], { env }).then(
          () => 0,
          (e: { code: number }) => e.code,
        );
      expect(await code(["decode", "nope"])).toBe(1);
      expect(await code(["check"])).toBe(2);
      expect(await code(["check", "--what"])).toBe(2);
    });
  });
});
