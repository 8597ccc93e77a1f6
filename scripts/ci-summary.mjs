// Sums vitest JSON reports of every workspace package into the closing line CI reads:
// "N passed, N failed". Failed CI steps count as failures; a package with a test script but no
// report counts as a failure too; zero tests run is a failure.
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const failedSteps = process.argv.slice(2);
let passed = 0;
let failed = failedSteps.length;
const rows = [];

for (const group of ["packages", "examples", "bench"]) {
  const dir = path.join(root, group);
  if (!fs.existsSync(dir)) continue;
  const dirs = group === "bench" ? [dir] : fs.readdirSync(dir).map((d) => path.join(dir, d));
  for (const pkgDir of dirs) {
    const manifest = path.join(pkgDir, "package.json");
    if (!fs.existsSync(manifest)) continue;
    const pkg = JSON.parse(fs.readFileSync(manifest, "utf8"));
    if (!pkg.scripts?.test) continue;
    const report = path.join(pkgDir, ".test-results.json");
    if (!fs.existsSync(report)) {
      rows.push(`${pkg.name}: no test report (crashed or did not run)`);
      failed += 1;
      continue;
    }
    const r = JSON.parse(fs.readFileSync(report, "utf8"));
    const p = r.numPassedTests ?? 0;
    // A file that failed to load has no failed tests but a failed suite: count it.
    const f =
      (r.numFailedTests ?? 0) +
      (r.testResults ?? []).filter((t) => t.status === "failed" && (t.assertionResults ?? []).length === 0).length;
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    rows.push(`${pkg.name}: ${p} passed, ${f} failed${skipped ? `, ${skipped} skipped` : ""}`);
    passed += p;
    failed += f;
  }
}
for (const row of rows) console.log(`  ${row}`);
if (failedSteps.length) console.log(`failed steps: ${failedSteps.join(", ")}`);
if (passed + failed === 0) {
  console.log("no test ran");
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
