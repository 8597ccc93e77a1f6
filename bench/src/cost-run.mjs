// `node bench/src/cost-run.mjs`: only the rows of issue 22 (sections 7 and 8) and the hot path (section 1),
// for a shared machine where the whole bench is too long. Same code and settings as in run.mjs.
import { measureHotPath } from "./hot-path.mjs";
import { costSections, costSummary } from "./cost-tables.mjs";
import { fixed, table, verdict } from "./format.mjs";
import { machine } from "./machine.mjs";
import { benchRedis, clientKeys, sandboxProcess, startKms } from "./services.mjs";
import { measureSessionMemory } from "./session-memory.mjs";
import { measureWholeRequest } from "./whole-request.mjs";
import { loadavg } from "node:os";

const quick = process.env.BENCH_QUICK === "1";
const m = machine();
console.log(
  `Date: ${m.date}. Machine: ${m.cores} cores, ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}. Load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")}.`,
);
const keys = await clientKeys();
const redis = await benchRedis();
const kms = await startKms();
const bench = await sandboxProcess(keys);
let hot;
try {
  hot = await measureHotPath({
    env: { bench, keys, redisUrl: redis.url, kms },
    calls: quick ? 20_000 : 200_000,
    rounds: quick ? 5 : 15,
  });
} finally {
  await bench.close();
  await kms.close();
  await redis.stop();
}
const wholeRequest = await measureWholeRequest(
  quick ? { sequentialCycles: 6, cycles: 3, perSlot: 320, warmup: 1 } : {},
);
const sessionMemory = await measureSessionMemory(
  quick ? { sessions: [1_000, 10_000], backends: [10, 100], repeats: 1 } : {},
);
const worst = hot.rows.reduce((a, b) => (b.ratio > a.ratio ? b : a));
console.log();
console.log(
  table(
    ["measure", "@fhir-dsl", "beside", "ratio", "target", ""],
    [
      [
        `hot path, cached token (worst: ${worst.store})`,
        `${fixed(worst.ns)} ns/op`,
        `Map + concat ${fixed(hot.baselineNs)} ns/op`,
        `${fixed(worst.ratio, 2)}x`,
        "<= 1.5x",
        verdict(worst.ratio <= 1.5),
      ],
      ...costSummary(wholeRequest, sessionMemory),
    ],
    ["", "r", "", "r", "", ""],
  ),
);
console.log();
console.log(hot.rows.map((r) => `${r.store}: ${fixed(r.ns)} ns/op, ${fixed(r.ratio, 2)}x`).join("; "));
console.log();
for (const line of costSections(wholeRequest, sessionMemory)) console.log(line);
console.log();
console.log(
  `Load average at end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")}.`,
);
