// Step 3: `pnpm pack` every package (from the versioned copy) and check what each tarball would publish.
import { statSync } from "node:fs";
import { join } from "node:path";
import { readTarball } from "./tar.mjs";
import { runOk } from "./util.mjs";
import { checkImports } from "./imports.mjs";
import { LEAF_DEPS, PEER_CLIENTS } from "./config.mjs";

const ALLOWED = [/^package\.json$/, /^README\.md$/i, /^LICEN[CS]E(\.md|\.txt)?$/i, /^CHANGELOG\.md$/i, /^dist\//];
const FORBIDDEN = [
  [/(^|\/)(test|tests|__tests__|fixtures?|__fixtures__)\//, "a test or fixture folder"],
  [/\.(test|spec)\.[cm]?[jt]sx?$/, "a test file"],
  [/\.test-results\.json$/, "a test report"],
  [/\.tgz$/, "a tarball"],
  [/\.tsbuildinfo$/, "a TypeScript build-info file"],
  [/(^|\/)src\//, "sources (src/)"],
  [/\.env(\.|$)/, "an .env file"],
];

/** Packs one package of the copy into `dest`; returns its report (problems collected, not thrown). */
export async function packOne(pkg, copy, dest) {
  const cwd = join(copy, "packages", pkg.dir);
  const { stdout } = await runOk(`pnpm pack ${pkg.name}`, "pnpm", ["pack", "--pack-destination", dest, "--json"], {
    cwd,
  });
  const file = JSON.parse(stdout.slice(stdout.indexOf("{"))).filename;
  const entries = readTarball(file).filter((e) => e.type === "file");
  const problems = [];
  const warnings = [];
  const paths = new Set(entries.map((e) => e.path));

  for (const { path } of entries) {
    if (!ALLOWED.some((re) => re.test(path)))
      problems.push(`unexpected file ${path} (only package.json, README.md, LICENSE, CHANGELOG.md, dist/**)`);
    for (const [re, what] of FORBIDDEN) if (re.test(path)) problems.push(`${path} is ${what}`);
  }
  if (!paths.has("README.md")) problems.push("no README.md in the tarball");
  if (![...paths].some((p) => /^LICEN[CS]E/i.test(p)))
    warnings.push(`no LICENSE file in the tarball (package.json says "${pkg.manifest.license}")`);

  const rawManifest = entries.find((e) => e.path === "package.json")?.data.toString("utf8") ?? "{}";
  const manifest = JSON.parse(rawManifest);
  if (rawManifest.includes("workspace:")) {
    problems.push(
      `packed package.json still has workspace: ranges (${rawManifest.match(/"[^"]+":\s*"workspace:[^"]*"/g)?.join(", ")})`,
    );
  }
  if (manifest.version !== pkg.releaseVersion)
    problems.push(`packed version ${manifest.version}, changesets says ${pkg.releaseVersion}`);
  problems.push(...checkEntryPoints(manifest, paths));
  problems.push(...checkSourceMaps(entries, paths));
  problems.push(...checkDeclaredDeps(manifest));
  problems.push(...checkImports(manifest, entries));

  return {
    name: pkg.name,
    version: manifest.version,
    file,
    manifest,
    packed: statSync(file).size,
    unpacked: entries.reduce((sum, e) => sum + e.size, 0),
    files: entries.length,
    fileList: entries.map((e) => e.path).sort(),
    problems,
    warnings,
  };
}

function targets(value, out = []) {
  if (typeof value === "string") out.push(value);
  else if (value && typeof value === "object") for (const v of Object.values(value)) targets(v, out);
  return out;
}

/** Every file named by exports, main, module, types and bin must be in the tarball. */
function checkEntryPoints(manifest, paths) {
  const problems = [];
  const named = [
    ...targets(manifest.exports).map((t) => ["exports", t]),
    ...["main", "module", "types", "typings"].filter((k) => manifest[k]).map((k) => [k, manifest[k]]),
    ...targets(typeof manifest.bin === "string" ? { bin: manifest.bin } : manifest.bin).map((t) => ["bin", t]),
  ];
  if (!manifest.exports) problems.push("package.json has no exports map");
  for (const [field, target] of named) {
    const rel = target.replace(/^\.\//, "");
    const found = rel.includes("*")
      ? [...paths].some((p) =>
          new RegExp(`^${rel.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".+")}$`).test(p),
        )
      : paths.has(rel);
    if (!found) problems.push(`${field} points at ${target}, which is not in the tarball`);
  }
  return problems;
}

/** Source maps may only point inside the package (and at files it ships, unless the source is inlined). */
function checkSourceMaps(entries, paths) {
  const problems = [];
  for (const entry of entries) {
    if (/\.[cm]?js$/.test(entry.path)) {
      const ref = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(entry.data.toString("utf8"))?.[1];
      if (ref && !ref.startsWith("data:") && !paths.has(join(entry.path, "..", ref))) {
        problems.push(`${entry.path} names a source map ${ref} that is not in the tarball`);
      }
    }
    if (!entry.path.endsWith(".map")) continue;
    let map;
    try {
      map = JSON.parse(entry.data.toString("utf8"));
    } catch {
      problems.push(`${entry.path} is not valid JSON`);
      continue;
    }
    (map.sources ?? []).forEach((source, i) => {
      const resolved = join(entry.path, "..", map.sourceRoot ?? "", source);
      if (/^[a-z]+:/i.test(source) || resolved.startsWith("..")) {
        problems.push(`${entry.path} points outside the package: ${source}`);
      } else if (!paths.has(resolved) && typeof map.sourcesContent?.[i] !== "string") {
        problems.push(`${entry.path} points at ${source}, which is neither shipped nor inlined`);
      }
    });
  }
  return problems;
}

/** Zero-dependency packages stay that way; adapters take the client the user brings as a peer. */
function checkDeclaredDeps(manifest) {
  const problems = [];
  const deps = Object.keys(manifest.dependencies ?? {});
  const peers = Object.keys(manifest.peerDependencies ?? {});
  const allowed = LEAF_DEPS[manifest.name];
  if (allowed) {
    const optional = (name) => manifest.peerDependenciesMeta?.[name]?.optional === true;
    const extra = [...deps, ...peers.filter((name) => !optional(name))].filter((name) => !allowed.includes(name));
    const rule = allowed.length ? `no runtime dependencies but ${allowed.join(", ")}` : "zero runtime dependencies";
    if (extra.length) problems.push(`is meant to have ${rule}, declares ${extra.join(", ")}`);
  }
  for (const client of PEER_CLIENTS[manifest.name] ?? []) {
    if (!peers.includes(client))
      problems.push(`must declare ${client} as a peerDependency (the user brings the client)`);
    if (deps.includes(client)) problems.push(`declares ${client} as a dependency: it must be a peerDependency only`);
  }
  return problems;
}
