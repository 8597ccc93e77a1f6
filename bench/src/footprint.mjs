// 6. Install footprint: the packages a user's install pulls in (production `dependencies`, recursively,
// resolved the way Node does from the installed tree) and their bytes on disk. No network.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { benchDir, repoRoot } from "./services.mjs";

/** The directory of `name` as Node would resolve it from `fromDir` (walking up node_modules). */
function resolvePackageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

function treeBytes(dir, skip = () => false) {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name === "node_modules" || skip(path, entry)) continue;
    if (entry.isDirectory()) {
      const sub = treeBytes(path, skip);
      bytes += sub.bytes;
      files += sub.files;
    } else if (entry.isFile()) {
      bytes += statSync(path).size;
      files++;
    }
  }
  return { bytes, files };
}

/** A workspace package installs as its `files` plus package.json, README and LICENSE (what npm packs). */
function publishedBytes(dir, pkg) {
  let bytes = 0;
  let files = 0;
  for (const name of ["package.json", "README.md", "LICENSE"]) {
    if (existsSync(join(dir, name))) (bytes += statSync(join(dir, name)).size), files++;
  }
  for (const entry of pkg.files ?? []) {
    const path = join(dir, entry);
    if (!existsSync(path)) continue;
    if (statSync(path).isDirectory()) {
      const sub = treeBytes(path);
      bytes += sub.bytes;
      files += sub.files;
    } else (bytes += statSync(path).size), files++;
  }
  return { bytes, files };
}

/** Every package installed with `name` (itself included): production dependencies only, deduplicated by path. */
export function installFootprint(name, fromDir = benchDir) {
  const seen = new Map();
  const peers = new Set();
  const visit = (dep, from) => {
    const dir = resolvePackageDir(dep, from);
    if (!dir) throw new Error(`cannot resolve ${dep} from ${from}`);
    if (seen.has(dir)) return;
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const workspace = !dir.includes(`${"node_modules"}`) && dir.startsWith(repoRoot);
    const size = workspace ? publishedBytes(dir, pkg) : treeBytes(dir);
    seen.set(dir, { name: pkg.name, version: pkg.version, workspace, ...size });
    for (const [peer, range] of Object.entries(pkg.peerDependencies ?? {})) {
      if (!pkg.peerDependenciesMeta?.[peer]?.optional) peers.add(`${peer}@${range}`);
    }
    for (const child of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      if (pkg.optionalDependencies?.[child] && !resolvePackageDir(child, dir)) continue;
      visit(child, dir);
    }
  };
  visit(name, fromDir);
  const packages = [...seen.values()];
  return {
    name,
    packages: packages.length,
    bytes: packages.reduce((n, p) => n + p.bytes, 0),
    files: packages.reduce((n, p) => n + p.files, 0),
    list: packages.map((p) => `${p.name}@${p.version}`),
    requiredPeers: [...peers],
  };
}

export function measureFootprint() {
  return [
    "@fhir-dsl/smart-scopes",
    "@fhir-dsl/smart",
    "@fhir-dsl/token-store-redis",
    "@fhir-dsl/token-store-kms",
    "fhirclient",
  ].map((n) => installFootprint(n));
}
