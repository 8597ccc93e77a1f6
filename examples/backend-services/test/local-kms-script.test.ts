// Issue 19 (newcomer): KMS_ENDPOINT has a documented way to start a local KMS: `pnpm local-kms` prints what to export.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { errorLines, runMain } from "./helpers.js";

const exampleDir = fileURLToPath(new URL("..", import.meta.url));
const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));
let child: ReturnType<typeof spawn>;
let exported: Record<string, string>;

beforeAll(async () => {
  child = spawn(tsx, ["scripts/local-kms.ts"], { cwd: exampleDir });
  let out = "";
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const found = /^export (.*)$/m.exec(out);
      if (found) resolve(found[1]!);
    });
    child.once("exit", (code) => reject(new Error(`local-kms exited ${code}: ${out}`)));
  });
  exported = Object.fromEntries(line.split(" ").map((pair) => pair.split("=") as [string, string]));
}, 30_000);
afterAll(() => {
  child?.kill("SIGTERM");
});

it("the printed settings, exported as printed, run the example with TOKEN_STORE=kms", { timeout: 60_000 }, async () => {
  expect(exported.KMS_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const { code, stdout, stderr } = await runMain({
    ...exported,
    TOKEN_STORE: "kms",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
  expect(errorLines(stderr)).toEqual([]);
  expect(code).toBe(0);
  expect(stdout).toMatch(/token store +kms alias\/tokens at http:\/\/127\.0\.0\.1:\d+ over memory$/m);
});
