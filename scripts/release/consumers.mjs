// Step 4: consumer projects in fresh temp folders, installed with npm from the tarballs, checked by running code.
import { existsSync } from "node:fs";
import { cp, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SKIP_EXIT } from "./config.mjs";
import { run, tail } from "./util.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));

const TSCONFIG = {
  bundler: { module: "esnext", moduleResolution: "bundler", files: ["types.ts"] },
  node16: { module: "node16", moduleResolution: "node16", files: ["types.ts", "types.cts"] },
};

/** Writes package.json (tarballs as file: specs; overrides send every internal dependency to its tarball), tsconfigs, files. */
export async function setupConsumer(consumer, dir, tarballs) {
  const spec = (name) => `file:${tarballs.get(name).file}`;
  const direct = new Set([...consumer.packages, ...(consumer.devPackages ?? [])]);
  const overrides = Object.fromEntries([...tarballs.keys()].filter((n) => !direct.has(n)).map((n) => [n, spec(n)]));
  const manifest = {
    name: `release-consumer-${consumer.id}`,
    private: true,
    type: "module",
    dependencies: { ...Object.fromEntries(consumer.packages.map((n) => [n, spec(n)])), ...consumer.thirdParty },
    devDependencies: {
      ...Object.fromEntries((consumer.devPackages ?? []).map((n) => [n, spec(n)])),
      ...consumer.devThirdParty,
    },
    overrides,
  };
  await writeFile(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const folder of consumer.files) await cp(join(HERE, "consumers", folder), dir, { recursive: true });
  // the repo's private test tools (e.g. the local KMS of @fhir-dsl/test-kms): one copy, imported as ./<name>/index.js
  for (const tool of consumer.tools ?? []) {
    await cp(join(HERE, "..", "..", "tools", tool), join(dir, tool), {
      recursive: true,
      filter: (src) => !src.endsWith("node_modules"),
    });
  }
  if (existsSync(join(dir, "types.ts"))) {
    // the same source as .cts: compiled as CommonJS under node16, so the exports map's require types are checked too
    await writeFile(join(dir, "types.cts"), await readFile(join(dir, "types.ts"), "utf8"));
    for (const [name, { module, moduleResolution, files }] of Object.entries(TSCONFIG)) {
      const compilerOptions = {
        target: "es2022",
        module,
        moduleResolution,
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: [],
      };
      if (consumer.lib) compilerOptions.lib = consumer.lib; // a browser package's users compile with the DOM library
      await writeFile(join(dir, `tsconfig.${name}.json`), `${JSON.stringify({ compilerOptions, files }, null, 2)}\n`);
    }
  }
}

/** npm install in the consumer folder: third-party packages from the registry, ours from the tarballs. */
export async function installConsumer(dir, npmCache) {
  const args = ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline", "--loglevel=error"];
  if (npmCache) args.push("--cache", npmCache);
  return run("npm", args, { cwd: dir, timeoutMs: 150_000, env: { npm_config_update_notifier: "false" } });
}

/** Runs each step; returns [{ label, status: "ok" | "fail" | "skip", output, ms }]. Stops at the first failure or skip. */
export async function runSteps(consumer, dir, env) {
  const results = [];
  for (const step of consumer.steps) {
    const r = await run(step.cmd, step.args, { cwd: dir, env, timeoutMs: 90_000 });
    const status = r.code === 0 ? "ok" : r.code === SKIP_EXIT && consumer.adapter ? "skip" : "fail";
    const output = status === "fail" ? tail(`${r.stdout}${r.stderr}`, 30) : r.stdout.trim().split("\n").pop();
    results.push({ label: step.label, status, output, ms: r.ms });
    if (status !== "ok") break;
  }
  return results;
}
