// Checks that the release dry run catches real defects: runs it on a temp copy of the repo with defects planted,
// expects exit 1 and one message per defect. Run by hand: node scripts/release/self-test.mjs (about a minute).
import assert from "node:assert/strict";
import { cp, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { publishablePackages } from "./workspace.mjs";
import { makeTemp, run } from "./util.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "..", "..");
const SCRIPT = join(REPO, "scripts", "release-dry-run.mjs");

async function copyRepo() {
  const copy = await makeTemp("self-test");
  await mkdir(join(copy, "packages"));
  for (const file of ["package.json", "pnpm-workspace.yaml", ".changeset"])
    await cp(join(REPO, file), join(copy, file), { recursive: true });
  await symlink(join(REPO, "node_modules"), join(copy, "node_modules"), "dir");
  for (const { dir } of publishablePackages(REPO)) {
    await cp(join(REPO, "packages", dir), join(copy, "packages", dir), {
      recursive: true,
      filter: (src) => !src.endsWith("/node_modules"),
    });
  }
  return copy;
}

async function editJson(file, edit) {
  const json = JSON.parse(await readFile(file, "utf8"));
  edit(json);
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
}

async function dryRun(copy) {
  const result = await run("node", [SCRIPT], {
    env: { RELEASE_DRY_RUN_REPO: copy, RELEASE_DRY_RUN_KEEP: "" },
    timeoutMs: 300_000,
  });
  return { code: result.code, output: result.stdout + result.stderr };
}

const pkg = (copy, dir, ...rest) => join(copy, "packages", dir, ...rest);
const copy = await copyRepo();
try {
  // planted defects, one per check
  await editJson(
    pkg(copy, "smart-pkce", "package.json"),
    (m) => (m.dependencies = { "@fhir-dsl/smart-scopes": "workspace:^" }),
  );
  await editJson(
    pkg(copy, "smart-scopes", "package.json"),
    // the condition Node resolves (`node`, before the bundlers' `default`), so the ESM consumer runs into it
    (m) => (m.exports["."].import.node = "./dist/index.mjs"),
  );
  await editJson(pkg(copy, "token-store-redis", "package.json"), (m) => {
    m.dependencies.ioredis = m.peerDependencies.ioredis;
    delete m.peerDependencies;
  });
  await editJson(pkg(copy, "smart-discovery", "package.json"), (m) => m.files.push("test"));
  await writeFile(
    pkg(copy, "token-store", "dist", "index.js.map"),
    JSON.stringify({ version: 3, sources: ["../../../src/index.ts"], mappings: "" }),
  );
  await rm(pkg(copy, "smart-sandbox", "README.md"), { force: true });
  const kmsDist = pkg(copy, "token-store-kms", "dist", "index.js");
  await writeFile(kmsDist, `import "left-pad";\n${await readFile(kmsDist, "utf8")}`);

  const { code, output } = await dryRun(copy);
  const expected = [
    /@fhir-dsl\/smart-pkce: is meant to have no runtime dependencies but jose, declares @fhir-dsl\/smart-scopes/,
    /@fhir-dsl\/smart-pkce: declares dependency @fhir-dsl\/smart-scopes but never imports it/,
    /consumer pkce: a zero-dependency package pulled in @fhir-dsl\/smart-scopes/,
    /@fhir-dsl\/smart-scopes: exports points at \.\/dist\/index\.mjs, which is not in the tarball/,
    /consumer scopes: esm\.mjs failed/,
    /@fhir-dsl\/token-store-redis: must declare ioredis as a peerDependency/,
    /@fhir-dsl\/smart-discovery: test\/\S+ is a test or fixture folder/,
    /@fhir-dsl\/token-store: dist\/index\.js\.map points outside the package/,
    /@fhir-dsl\/smart-sandbox: no README\.md in the tarball/,
    /@fhir-dsl\/token-store-kms: dist code imports left-pad, which package\.json does not declare/,
    /consumer smart-kms: npm install failed|consumer smart-kms: kms-store\.mjs failed/,
  ];
  assert.equal(code, 1, `the dry run must fail on a broken copy:\n${output}`);
  const missed = expected.filter((re) => !re.test(output));
  assert.deepEqual(missed, [], `not reported:\n${missed.join("\n")}\n--- output ---\n${output}`);
  console.log(`ok: ${expected.length} planted defects reported, exit ${code}`);

  // no dist/: stops before packing
  await rm(pkg(copy, "smart-pkce", "dist"), { recursive: true });
  const noDist = await dryRun(copy);
  assert.equal(noDist.code, 1);
  assert.match(noDist.output, /no dist\/ in @fhir-dsl\/smart-pkce: build first/);
  console.log("ok: a package without dist/ fails with a clear message");
} finally {
  await rm(copy, { recursive: true, force: true });
}
