#!/usr/bin/env node
// Release dry run (issue 10): version on a throwaway copy, pack every publishable package, install the
// tarballs into fresh consumer projects outside the workspace and run code there. Never touches the work
// tree or git. Exit 1 on any defect. Env: RELEASE_DRY_RUN_KEEP=1 keeps the temp folders; RELEASE_NPM_CACHE
// points npm at another cache (default: the user's); REDIS_URL is used when set, else a redis-server is started;
// RELEASE_DRY_RUN_REPO checks another checkout (scripts/release/self-test.mjs uses it on a broken copy).
import { rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CONSUMERS } from "./release/config.mjs";
import { installConsumer, runSteps, setupConsumer } from "./release/consumers.mjs";
import { checkTree } from "./release/deps.mjs";
import { packOne } from "./release/pack.mjs";
import { ensureRedis } from "./release/redis.mjs";
import { ReleaseError, kb, makeTemp, mapLimit, secs, table, tail } from "./release/util.mjs";
import { assertBuilt, copyWorkspace, publishablePackages, versionCopy } from "./release/workspace.mjs";

const REPO = resolve(process.env.RELEASE_DRY_RUN_REPO ?? join(dirname(fileURLToPath(import.meta.url)), ".."));
const started = performance.now();
const problems = [];
const temps = [];
const say = (line = "") => console.log(line);
const fail = (where, message) => {
  problems.push(`${where}: ${message}`);
  say(`    FAIL ${message}`);
};

async function main() {
  const packages = publishablePackages(REPO);
  say(`release dry run: ${packages.length} publishable packages (${packages.map((p) => p.name).join(", ")})`);
  assertBuilt(REPO, packages);

  // 1. changeset version on a copy
  const copy = await makeTemp("workspace");
  temps.push(copy);
  say(`\n== changeset version (throwaway copy ${copy})`);
  await copyWorkspace(REPO, packages, copy);
  const { pending, bumps } = await versionCopy(REPO, packages, copy);
  say(`    pending changesets: ${pending.length ? pending.join(", ") : "none"}`);
  for (const b of bumps) say(`    ${b.name}: ${b.from} -> ${b.to} (${b.why})`);
  if (!bumps.length) say("    no version bumps");

  // 2-3. pack and inspect
  const dest = await makeTemp("tarballs");
  temps.push(dest);
  say(`\n== pnpm pack (into ${dest})`);
  const reports = await mapLimit(packages, 4, async (pkg) => {
    try {
      return await packOne(pkg, copy, dest);
    } catch (error) {
      return { name: pkg.name, error };
    }
  });
  const tarballs = new Map();
  const warnings = new Map();
  for (const r of reports) {
    if (r.error) {
      say(`    ${r.name}`);
      fail(r.name, r.error.message);
      continue;
    }
    tarballs.set(r.name, r);
    say(
      `    ${r.name}@${r.version}  ${kb(r.packed)} packed, ${kb(r.unpacked)} unpacked, ${r.files} files: ${r.fileList.join(" ")}`,
    );
    for (const w of r.warnings) warnings.set(w, [...(warnings.get(w) ?? []), r.name]);
    for (const p of r.problems) fail(r.name, p);
  }
  for (const [w, names] of warnings)
    say(`    warn ${w}: ${names.length === reports.length ? "every package" : names.join(", ")}`);

  // 4-5. consumers
  say("\n== consumers (npm install of the tarballs in fresh folders, then running code)");
  const needsRedis = CONSUMERS.some((c) => c.needs?.includes("redis") && c.packages.every((n) => tarballs.has(n)));
  const redis = needsRedis ? await ensureRedis() : undefined;
  for (const signal of ["SIGINT", "SIGTERM"])
    process.once(signal, () => void redis?.stop().finally(() => process.exit(130)));
  if (redis) say(`    Redis: ${redis.own ? `started redis-server at ${redis.url}` : `REDIS_URL ${redis.url}`}`);
  const npmCache = process.env.RELEASE_NPM_CACHE;
  const results = [];
  try {
    await mapLimit(CONSUMERS, 3, async (consumer) => {
      const result = await runConsumer(consumer, tarballs, npmCache, redis);
      results.push(result);
      printConsumer(consumer, result);
    });
  } finally {
    await redis?.stop();
  }

  // 6. figures
  say("\n== figures");
  say(
    table(
      ["tarball", "version", "packed", "unpacked", "files"],
      [...tarballs.values()].map((r) => [r.name, r.version, kb(r.packed), kb(r.unpacked), r.files]),
    ).replace(/^/gm, "    "),
  );
  say("");
  say(
    table(
      ["consumer", "status", "prod deps", "all deps", "install", "checks"],
      CONSUMERS.map((c) => results.find((r) => r.consumer === c)).map((r) => [
        r.consumer.id,
        r.status,
        r.prodCount ?? "-",
        r.totalCount ?? "-",
        r.installMs ? secs(r.installMs) : "-",
        r.steps ? secs(r.steps.reduce((s, x) => s + x.ms, 0)) : "-",
      ]),
    ).replace(/^/gm, "    "),
  );
}

async function runConsumer(consumer, tarballs, npmCache, redis) {
  const result = { consumer, status: "ok", problems: [], notes: [] };
  const absent = [...consumer.packages, ...(consumer.devPackages ?? [])].filter((n) => !tarballs.has(n));
  if (absent.length) {
    if (consumer.adapter && absent.every((n) => n === consumer.adapter)) {
      result.status = "skip";
      result.notes.push(`${absent.join(", ")} not packed: skipped`);
    } else {
      result.status = "fail";
      result.problems.push(`cannot build: no tarball for ${absent.join(", ")}`);
    }
    return result;
  }
  const dir = await makeTemp(`consumer-${consumer.id}`);
  temps.push(dir);
  result.dir = dir;
  await setupConsumer(consumer, dir, tarballs);
  const install = await installConsumer(dir, npmCache);
  result.installMs = install.ms;
  if (install.code !== 0) {
    result.status = "fail";
    result.problems.push(`npm install failed (exit ${install.code}):\n${tail(install.stdout + install.stderr)}`);
    return result;
  }
  const tree = checkTree(consumer, dir, tarballs);
  Object.assign(result, { tree: tree.lines, prodCount: tree.prodCount, totalCount: tree.totalCount });
  result.problems.push(...tree.problems);
  result.steps = await runSteps(consumer, dir, redis ? { REDIS_URL: redis.url } : {});
  for (const step of result.steps) {
    const headline = step.output
      .split("\n")
      .map((l) => l.trim())
      .find((l) => /error|MISSING|expected|not /i.test(l) && !/^at /.test(l));
    if (step.status === "fail")
      result.problems.push(`${step.label} failed${headline ? `: ${headline.slice(0, 240)}` : ""}\n${step.output}`);
  }
  if (result.problems.length) result.status = "fail";
  else if (result.steps.some((s) => s.status === "skip")) result.status = "skip";
  return result;
}

function printConsumer(consumer, r) {
  say(`\n  [${consumer.id}] ${consumer.title}${r.dir ? `  (${r.dir})` : ""}`);
  if (r.installMs !== undefined)
    say(
      `    npm install ${secs(r.installMs)}; ${r.prodCount ?? "?"} production / ${r.totalCount ?? "?"} installed packages`,
    );
  for (const line of r.tree ?? []) say(`    tree: ${line}`);
  for (const s of r.steps ?? [])
    say(`    ${s.status.padEnd(4)} ${s.label} (${secs(s.ms)})${s.status === "ok" && s.output ? `  ${s.output}` : ""}`);
  for (const note of r.notes) say(`    note ${note}`);
  for (const p of r.problems) fail(`consumer ${consumer.id}`, p);
  const skipped = r.steps?.find((s) => s.status === "skip");
  if (skipped) say(`    skip ${skipped.output.trim()}`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  problems.push(error instanceof ReleaseError ? error.message : error.stack);
}
const total = secs(performance.now() - started);
if (problems.length) {
  exitCode = 1;
  say(`\nrelease dry run FAILED (${problems.length} problem${problems.length === 1 ? "" : "s"}, ${total}):`);
  for (const p of problems) say(`  - ${p.split("\n")[0]}`);
} else {
  say(`\nrelease dry run passed in ${total}`);
}
if (process.env.RELEASE_DRY_RUN_KEEP) say(`  temp folders kept for inspection: ${temps.join(" ")}`);
else {
  await Promise.all(temps.map((t) => rm(t, { recursive: true, force: true })));
  if (exitCode) say("  (temp folders removed; RELEASE_DRY_RUN_KEEP=1 keeps them)");
}
process.exitCode = exitCode;
