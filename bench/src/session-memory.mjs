// 8. Memory and timers per object: heap bytes and pending timers per SmartClient session (1,000 / 10,000 /
// 100,000) and per BackendServicesAuth (10 / 100 / 1,000), each count in a fresh process (session-memory-process.mjs).
import { fork } from "node:child_process";
import { once } from "node:events";
import { median } from "./services.mjs";

async function once1(kind, count) {
  const child = fork(new URL("./session-memory-process.mjs", import.meta.url), [kind, String(count)], {
    execArgv: ["--expose-gc", "--max-old-space-size=4096"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const [result] = await once(child, "message");
  child.kill();
  return result;
}

/** Rows: kind, count, median bytes per object and timers pending over `repeats` processes. */
export async function measureSessionMemory({
  sessions = [1_000, 10_000, 100_000],
  backends = [10, 100, 1_000],
  repeats = 3,
} = {}) {
  const rows = [];
  for (const [kind, counts] of [
    ["session", sessions],
    ["backend", backends],
  ]) {
    for (const count of counts) {
      const runs = [];
      for (let r = 0; r < repeats; r++) runs.push(await once1(kind, count));
      rows.push({
        kind,
        count,
        bytesPer: median(runs.map((x) => x.bytesPer)),
        timers: Math.max(...runs.map((x) => x.timers)),
        runs: runs.map((x) => Math.round(x.bytesPer)),
      });
    }
  }
  return { repeats, rows };
}
