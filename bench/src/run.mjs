// `pnpm bench` (root) runs this: the main table of @fhir-dsl/smart's speed and footprint, in one run, beside
// the alternatives. Starts and stops everything it needs. Options: --json=<file> writes the raw results;
// --update-md=<file> replaces the text between `<!-- bench:run -->` and `<!-- /bench:run -->` in that file
// (BENCHMARKS.md) with this run's tables; BENCH_QUICK=1 shrinks every loop (a smoke run, not comparable).
import { readFileSync, writeFileSync } from "node:fs";
import { Redis } from "ioredis";
import { measureBundles } from "./bundles.mjs";
import { costSections, costSummary } from "./cost-tables.mjs";
import { measureFleet } from "./fleet.mjs";
import { measureFootprint } from "./footprint.mjs";
import { fixed, kB, MB, table, verdict } from "./format.mjs";
import { measureHotPath } from "./hot-path.mjs";
import { measureKmsCalls } from "./kms-calls.mjs";
import { kmsSignerTable, measureKmsSigner } from "./kms-signer.mjs";
import { machine } from "./machine.mjs";
import { measureScopesInChild, scopeSection, scopeSummary } from "./scopes.mjs";
import { benchRedis, clientKeys, sandboxProcess, startKms } from "./services.mjs";
import { measureSessionMemory } from "./session-memory.mjs";
import { measureStampede } from "./stampede.mjs";
import { measureWholeRequest } from "./whole-request.mjs";

const quick = process.env.BENCH_QUICK === "1";
const option = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const jsonOut = option("json");
const mdOut = option("update-md");
const printed = [];
const log = (line = "") => (console.log(line), printed.push(line));
const progress = (line) => process.stderr.write(`  … ${line}\n`);
const started = performance.now();

const keys = await clientKeys();
const redis = await benchRedis();
const kms = await startKms();
const bench = await sandboxProcess(keys); // timings: the sandbox in its own process (see sandbox-process.mjs)
const env = { bench, keys, redisUrl: redis.url, kms };
const results = { machine: machine() };
const violations = [];
try {
  const probe = new Redis(redis.url);
  results.redis = {
    version: /redis_version:(\S+)/.exec(await probe.info("server"))?.[1],
    source: redis.shared ? "REDIS_URL" : "private redis-server",
  };
  probe.disconnect();

  progress("1/8 hot path");
  results.hotPath = await measureHotPath({ env, calls: quick ? 20_000 : 200_000, rounds: quick ? 5 : 15 });
  progress("2/8 cold start and stampede");
  results.stampede = await measureStampede({ env, concurrency: 1_000, repeats: quick ? 3 : 61, warmup: 5 });
  progress("3/8 cross-process stampede");
  results.fleet = await measureFleet({
    keys,
    redisUrl: redis.url,
    processes: 8,
    lifetimeSeconds: 3,
    expiries: quick ? 2 : 4,
  });
  progress("4/8 KMS calls");
  results.kmsCalls = await measureKmsCalls({ kms, ops: 1_000 });
  progress("KMS signer cold start");
  results.kmsSigner = await measureKmsSigner({ env, repeats: quick ? 5 : 61 });
} finally {
  await bench.close();
  await kms.close();
  await redis.stop();
}
progress("5/8 bundles");
results.bundles = await measureBundles();
progress("6/8 install footprint");
results.footprint = measureFootprint();
progress("7/8 whole request vs plain fetch");
results.wholeRequest = await measureWholeRequest(
  quick ? { sequentialCycles: 6, cycles: 3, perSlot: 320, warmup: 1 } : {},
);
progress("8/8 heap and timers per session");
results.sessionMemory = await measureSessionMemory(
  quick ? { sessions: [1_000, 10_000], backends: [10, 100], repeats: 1 } : {},
);
progress("scope parsing and diffScopes");
results.scopes = measureScopesInChild(quick ? { strings: 500, rounds: 5, warmup: 1, diffRuns: 2 } : {});
results.seconds = (performance.now() - started) / 1000;

const { machine: m, hotPath: hot, stampede: st, fleet, kmsCalls: kc, kmsSigner: ks, bundles, footprint } = results;
const core = bundles.rows.find((r) => r.name === "@fhir-dsl/smart");
const fhirclient = bundles.rows.find((r) => r.name.startsWith("fhirclient"));
const appLaunchAtStart = bundles.rows.find((r) => r.atStart);
// a browser app loads one page's code at a time: the larger of its launch page and its app page
const browserPage = bundles.rows
  .filter((r) => r.name.startsWith("browser launch page") || r.name.startsWith("browser app page"))
  .reduce((a, b) => (b.brotliBytes > a.brotliBytes ? b : a));
const fp = (name) => footprint.find((f) => f.name === name);

log("# @fhir-dsl bench");
log();
log(
  `Date: ${m.date}. Machine: ${m.cores} cores, ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; Redis ${results.redis.version} (${results.redis.source}).`,
);
log(
  `Command: \`pnpm bench\` (bench/src/run.mjs), ${fixed(results.seconds, 0)} s.${quick ? " BENCH_QUICK=1: smoke run, not comparable." : ""}`,
);
log();
log("## Summary");
log();
const worst = hot.rows.reduce((a, b) => (b.ratio > a.ratio ? b : a));
const hotCalls = hot.rows.reduce((n, r) => n + r.storeCalls, 0);
const perExpiry = fleet.perExpiry;
const summary = [
  [
    `hot path, cached token (worst: ${worst.store})`,
    `${fixed(worst.ns)} ns/op`,
    `Map + concat ${fixed(hot.baselineNs)} ns/op`,
    `${fixed(worst.ratio, 2)}x`,
    "<= 1.5x",
    verdict(worst.ratio <= 1.5),
  ],
  [
    "hot path: store calls / Redis commands / KMS calls",
    `${hotCalls} / ${hot.redisCommands} / ${hot.kmsCalls}`,
    `in ${(hot.calls * hot.rounds).toLocaleString("en")} calls per store`,
    "",
    "0 / 0 / 0",
    verdict(hotCalls === 0 && hot.redisCommands === 0 && hot.kmsCalls === 0),
  ],
  [
    "cold start, 1,000 concurrent callers",
    `${fixed(st.oursMs, 1)} ms`,
    `oauth4webapi + jose ${fixed(st.directMs, 1)} ms`,
    `${fixed(st.ratio, 2)}x`,
    "<= 1.1x",
    verdict(st.ratio <= 1.1),
  ],
  [
    "cold start: token requests served",
    `max ${st.maxTokenRequests} (of ${st.repeats} runs)`,
    "",
    "",
    "1",
    verdict(st.maxTokenRequests === 1),
  ],
  [
    `cross-process, ${fleet.processes} processes: token requests per expiry`,
    `${perExpiry.join(", ")} (cold start ${fleet.coldStart})`,
    `${fleet.perExpiry.length} expiries of ${fleet.lifetimeSeconds} s tokens`,
    "",
    "1",
    verdict(fleet.coldStart === 1 && perExpiry.length > 0 && perExpiry.every((n) => n === 1) && fleet.errors === 0),
  ],
  [
    "KMS calls per 1,000 writes / reads",
    `${kc.writes.total} / ${kc.readsManyKeys.total}`,
    "default caches",
    "",
    "reads <= 2",
    verdict(kc.readsManyKeys.total <= 2 && kc.readsSameKey.total <= 2 && kc.readsSameKey.Decrypt <= 1),
  ],
  [
    "cold start, token request signed by KMS (local endpoint)",
    `${fixed(ks.kmsMs, 1)} ms`,
    `local key ${fixed(ks.localMs, 1)} ms`,
    `${fixed(ks.ratio, 2)}x`,
    "1 Sign per request",
    verdict(ks.signCalls * 2 === ks.tokenRequests),
  ],
  [
    "core entry bundle (brotli)",
    kB(core.brotliBytes),
    `fhirclient ${kB(fhirclient.brotliBytes)}`,
    `${fixed(core.brotliBytes / fhirclient.brotliBytes, 2)}x`,
    "<= ~19 kB",
    verdict(core.brotliBytes <= 19_500),
  ],
  [
    "App Launch bundle loaded at start (brotli)",
    kB(appLaunchAtStart.brotliBytes),
    `fhirclient ${kB(fhirclient.brotliBytes)}`,
    `${fixed(appLaunchAtStart.brotliBytes / fhirclient.brotliBytes, 2)}x`,
    "<= ~16.5 kB",
    verdict(appLaunchAtStart.brotliBytes <= 16_900),
  ],
  [
    `browser app, the larger of its two pages: ${browserPage.name.replace(/^browser |:.*$/g, "")} (brotli)`,
    kB(browserPage.brotliBytes),
    `fhirclient ${kB(fhirclient.brotliBytes)}`,
    `${fixed(browserPage.brotliBytes / fhirclient.brotliBytes, 2)}x`,
    "<= ~19 kB",
    verdict(browserPage.brotliBytes <= 19_500),
  ],
  ...costSummary(results.wholeRequest, results.sessionMemory),
  ...scopeSummary(results.scopes),
  [
    "install: @fhir-dsl/smart / smart-scopes",
    `${fp("@fhir-dsl/smart").packages} / ${fp("@fhir-dsl/smart-scopes").packages} packages`,
    `fhirclient ${fp("fhirclient").packages} packages`,
    "",
    "",
    "",
  ],
];
log(table(["measure", "@fhir-dsl", "beside", "ratio", "target", ""], summary, ["", "r", "", "r", "", ""]));
log();

log(
  `## 1. Hot path: \`await auth.getAuthorization(req)\`, valid cached token (${hot.calls.toLocaleString("en")} calls x ${hot.rounds} rounds, medians)`,
);
log();
log(
  table(
    [
      "store under BackendServicesAuth",
      "ns/op",
      "baseline ns/op",
      "ratio (median of rounds)",
      "store calls",
      "Redis commands",
      "KMS calls",
    ],
    hot.rows.map((r) => [
      r.store,
      fixed(r.ns),
      fixed(hot.baselineNs),
      `${fixed(r.ratio, 2)}x`,
      r.storeCalls,
      r.store.startsWith("Redis") ? hot.redisCommands : "-",
      r.store.startsWith("Kms") ? hot.kmsCalls : "-",
    ]),
    ["", "r", "r", "r", "r", "r", "r"],
  ),
);
log();
log(
  `Baseline: \`const v = await map.get(k); "Bearer " + v\`. Setup before the loop (first token): store calls ${JSON.stringify(hot.setup.storeCalls)}, Redis commands ${hot.setup.redisCommands}, KMS calls ${hot.setup.kmsCalls} (the counters work); token requests during the loop: ${hot.tokenRequests}.`,
);
log();

log(
  `## 2. Cold start and stampede: ${st.concurrency.toLocaleString("en")} concurrent getAuthorization on a cold BackendServicesAuth (${st.repeats} runs, medians)`,
);
log();
log(
  table(
    ["", "ms to all resolved", "token requests"],
    [
      [
        "BackendServicesAuth, 1,000 callers (discovery + token)",
        fixed(st.oursMs, 1),
        new Set(st.tokenRequests).size === 1 ? `${st.tokenRequests[0]} in each run` : st.tokenRequests.join(" "),
      ],
      ["oauth4webapi + jose by hand, 1 caller (discovery + token)", fixed(st.directMs, 1), "1"],
      ["ratio (median of paired runs)", `${fixed(st.ratio, 2)}x`, ""],
    ],
    ["", "r", "r"],
  ),
);
log();

log(
  `## 3. Cross-process stampede: ${fleet.processes} node processes, one RedisTokenStore, ${fleet.lifetimeSeconds} s tokens`,
);
log();
log(
  table(
    ["burst (ms after go)", ...fleet.bursts.map((b, i) => (i === 0 ? `cold @${b.atMs}` : `expiry ${i} @${b.atMs}`))],
    [["token requests", ...fleet.bursts.map((b) => b.requests)]],
  ),
);
log();
log(
  `${fleet.calls.toLocaleString("en")} getAuthorization calls in ${fixed(fleet.durationMs / 1000, 1)} s, ${fleet.distinctTokens} distinct tokens seen, ${fleet.errors} errors${fleet.errors ? ` ${JSON.stringify(fleet.errorCodes)}` : ""}; sandbox token requests in all: ${fleet.tokenRequests}.`,
);
log();

log("## 4. KMS calls with the default caches (counted by the local KMS endpoint)");
log();
log(
  table(
    ["1,000 operations", "GenerateDataKey", "Decrypt", "Encrypt", "total"],
    [
      ["writes (distinct keys)", kc.writes.GenerateDataKey, kc.writes.Decrypt, kc.writes.Encrypt, kc.writes.total],
      [
        "reads, one key (new store instance)",
        kc.readsSameKey.GenerateDataKey,
        kc.readsSameKey.Decrypt,
        kc.readsSameKey.Encrypt,
        kc.readsSameKey.total,
      ],
      [
        "reads, 1,000 keys (new store instance)",
        kc.readsManyKeys.GenerateDataKey,
        kc.readsManyKeys.Decrypt,
        kc.readsManyKeys.Encrypt,
        kc.readsManyKeys.total,
      ],
    ],
    ["", "r", "r", "r", "r"],
  ),
);
log();

log(
  `## 4b. Cold start with the key in KMS: @fhir-dsl/smart-kms-signer on the local KMS endpoint (${ks.repeats} paired runs, medians)`,
);
log();
log(kmsSignerTable(ks, table, fixed));
log();

log("## 5. Bundle sizes (esbuild 0.27.7: bundle, minify, tree-shaking, ESM, platform browser; brotli q11, gzip -9)");
log();
log(
  table(
    ["entry or import", "minified", "gzip", "brotli"],
    [
      ...bundles.rows.map((r) => [
        r.detail ? `${r.name} (${r.detail})` : r.name,
        kB(r.minBytes),
        kB(r.gzipBytes),
        kB(r.brotliBytes),
      ]),
      ...bundles.prebuilt.map((r) => [r.name, kB(r.minBytes), kB(r.gzipBytes), kB(r.brotliBytes)]),
    ],
    ["", "r", "r", "r"],
  ),
);
log();

log("## 6. Install footprint (production dependencies, recursively, from the installed tree)");
log();
log(
  table(
    ["install", "packages", "files", "on disk", "required peers (not counted)"],
    footprint.map((f) => [f.name, f.packages, f.files, MB(f.bytes), f.requiredPeers.join(", ") || "-"]),
    ["", "r", "r", "r", ""],
  ),
);
log();
for (const f of footprint) if (f.packages <= 10) log(`- ${f.name}: ${f.list.join(", ")}`);
log();
for (const line of costSections(results.wholeRequest, results.sessionMemory)) log(line);
log();
for (const line of scopeSection(results.scopes)) log(line);

if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(results, null, 2)}\n`);
if (mdOut) {
  const [open, close] = ["<!-- bench:run -->", "<!-- /bench:run -->"];
  const md = readFileSync(mdOut, "utf8");
  const from = md.indexOf(open);
  const to = md.indexOf(close);
  if (from < 0 || to < from) throw new Error(`${mdOut} has no ${open} ... ${close} section`);
  // the run's own title line is left out: the file has its headings
  const body = printed.slice(1).join("\n").replace(/^## /gm, "### ").trim();
  writeFileSync(mdOut, `${md.slice(0, from + open.length)}\n${body}\n${md.slice(to)}`);
}

// Only the deterministic counts fail the run; speed and size targets are reported, not enforced here.
if (st.maxTokenRequests !== 1) violations.push("cold stampede made more than one token request");
if (hotCalls !== 0 || hot.redisCommands !== 0 || hot.kmsCalls !== 0) violations.push("the hot path touched the store");
// a new instance configured by alias looks its key up once (SECURITY.md F12), then at most 1 Decrypt
if (kc.readsManyKeys.total > 2 || kc.readsSameKey.total > 2 || kc.readsSameKey.Decrypt > 1)
  violations.push("more than 2 KMS calls (1 Decrypt) per 1,000 reads");
if (ks.signCalls * 2 !== ks.tokenRequests) violations.push("KMS signer: not 1 Sign per token request");
if (fleet.coldStart !== 1 || !perExpiry.every((n) => n === 1))
  violations.push("cross-process stampede: not 1 token request per expiry");
if (violations.length) {
  console.error(`\nCount budgets violated: ${violations.join("; ")}`);
  process.exitCode = 1;
}
