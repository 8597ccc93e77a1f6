// Small helpers of the release dry run: child processes, temp folders, formatting.
import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A real defect: the dry run fails with this message. */
export class ReleaseError extends Error {}

/**
 * Runs `cmd args` in `cwd`; resolves { code, stdout, stderr, ms } (never rejects on a non-zero exit).
 * Output is captured, not streamed, so parallel runs do not interleave.
 */
export function run(cmd, args, { cwd, env, timeoutMs = 120_000, input } = {}) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[release-dry-run] killed after ${timeoutMs} ms`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}${error.message}`, ms: performance.now() - started });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, ms: performance.now() - started });
    });
    // a child that exits before reading its input must not crash the run with EPIPE
    child.stdin.on("error", () => {});
    child.stdin.end(input ?? "");
  });
}

/** Like run(), but throws a ReleaseError with the tail of the output on a non-zero exit. */
export async function runOk(what, cmd, args, options) {
  const result = await run(cmd, args, options);
  if (result.code !== 0)
    throw new ReleaseError(`${what} failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`);
  return result;
}

export const tail = (text, lines = 25) =>
  text
    .trimEnd()
    .split("\n")
    .slice(-lines)
    .map((l) => `    ${l}`)
    .join("\n");

export const makeTemp = (prefix) => mkdtemp(join(tmpdir(), `fhir-dsl-release-${prefix}-`));

/** Runs async `fn` over `items` with at most `limit` at a time; results in input order. */
export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;
export const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** A plain-text table: header row, then rows; numbers right-aligned. */
export function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) =>
    r
      .map((c, i) => (/^[\d.,]+( ?[a-zA-Z]+)?$/.test(c) && i > 0 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(all[0]), widths.map((w) => "-".repeat(w)).join("  "), ...all.slice(1).map(line)].join("\n");
}
