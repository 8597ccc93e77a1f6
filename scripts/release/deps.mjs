// Step 5: each consumer's installed tree (node_modules/.package-lock.json), printed and checked against
// what the packages declare.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FAMILIES, LEAF_DEPS } from "./config.mjs";

const INTERNAL = /^@fhir-dsl\//;

function readInstalled(dir) {
  const lock = JSON.parse(readFileSync(join(dir, "node_modules", ".package-lock.json"), "utf8"));
  const byPath = new Map();
  for (const [path, meta] of Object.entries(lock.packages ?? {})) {
    if (!path.startsWith("node_modules/") || meta.link) continue;
    const name = meta.name ?? path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
    byPath.set(path, { path, name, ...meta, prod: !meta.dev && !meta.devOptional });
  }
  return byPath;
}

/** Node's lookup: the nearest node_modules/<name> from `fromPath` up to the root. */
function resolveFrom(byPath, fromPath, name) {
  let base = fromPath;
  for (;;) {
    const hit = byPath.get(`${base ? `${base}/` : ""}node_modules/${name}`);
    if (hit) return hit;
    if (!base) return undefined;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut < 0 ? "" : base.slice(0, cut);
  }
}

function closure(byPath, start) {
  const seen = new Map();
  const stack = [start];
  while (stack.length) {
    const pkg = stack.pop();
    if (seen.has(pkg.path)) continue;
    seen.set(pkg.path, pkg);
    const wanted = { ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies };
    for (const dep of Object.keys(wanted)) {
      const found = resolveFrom(byPath, pkg.path, dep);
      if (found) stack.push(found);
    }
  }
  seen.delete(start.path);
  return [...seen.values()];
}

function summarise(pkgs) {
  const names = [...new Set(pkgs.map((p) => `${p.name}@${p.version}`))].sort();
  if (names.length <= 12) return names.join(", ");
  const scopes = new Map();
  const plain = [];
  for (const p of pkgs) {
    if (p.name.startsWith("@")) scopes.set(p.name.split("/")[0], (scopes.get(p.name.split("/")[0]) ?? 0) + 1);
    else if (!plain.includes(p.name)) plain.push(p.name);
  }
  plain.sort();
  const shown = plain.length > 10 ? [...plain.slice(0, 10), `+${plain.length - 10} more`] : plain;
  return `${names.length} packages: ${[...[...scopes].map(([scope, n]) => `${scope}/* x${n}`), ...shown].join(", ")}`;
}

const familyOf = (name) => Object.keys(FAMILIES).find((key) => FAMILIES[key].some((re) => re.test(name)));

/** Internal packages reachable from `names` through the packed manifests' dependencies (and peers). */
function internalClosure(names, tarballs) {
  const out = new Set();
  const stack = [...names];
  while (stack.length) {
    const name = stack.pop();
    if (out.has(name) || !tarballs.has(name)) continue;
    out.add(name);
    const m = tarballs.get(name).manifest;
    stack.push(...Object.keys({ ...m.dependencies, ...m.peerDependencies }).filter((n) => INTERNAL.test(n)));
  }
  return out;
}

/** Prints the tree, returns { lines, problems, prodCount, totalCount }. */
export function checkTree(consumer, dir, tarballs) {
  const byPath = readInstalled(dir);
  const all = [...byPath.values()];
  const prod = all.filter((p) => p.prod);
  const problems = [];
  const lines = [];

  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  for (const [field, tag] of [
    ["dependencies", ""],
    ["devDependencies", " (dev)"],
  ]) {
    for (const name of Object.keys(manifest[field] ?? {})) {
      const top = byPath.get(`node_modules/${name}`);
      if (!top) {
        problems.push(`${name} is not installed`);
        continue;
      }
      const from = INTERNAL.test(name) ? " [tarball]" : "";
      const deps = closure(byPath, top);
      lines.push(`${name}@${top.version}${from}${tag} -> ${deps.length ? summarise(deps) : "(no dependencies)"}`);
    }
  }

  for (const p of all) {
    if (INTERNAL.test(p.name) && !String(p.resolved ?? "").startsWith("file:")) {
      problems.push(`${p.name}@${p.version} came from ${p.resolved ?? "the registry"}, not from the local tarball`);
    }
  }
  if (consumer.zeroDep) {
    const allowed = consumer.packages.flatMap((name) => [name, ...(LEAF_DEPS[name] ?? [])]);
    const extra = prod.filter((p) => !allowed.includes(p.name));
    if (extra.length) problems.push(`a zero-dependency package pulled in ${summarise(extra)}`);
  }

  // heavy families: only where the consumer asked for them, or an installed package of ours declares them
  const declaredBy = (names) =>
    new Set(names.flatMap((n) => Object.keys(tarballs.get(n)?.manifest.dependencies ?? {})));
  const prodInternal = internalClosure(consumer.packages, tarballs);
  const devInternal = internalClosure([...consumer.packages, ...(consumer.devPackages ?? [])], tarballs);
  const allowedProd = new Set([...Object.keys(consumer.thirdParty ?? {}), ...declaredBy([...prodInternal])]);
  const allowedAll = new Set([
    ...allowedProd,
    ...Object.keys(consumer.devThirdParty ?? {}),
    ...declaredBy([...devInternal]),
  ]);
  for (const [pkgs, allowed, where] of [
    [prod, allowedProd, "production "],
    [all, allowedAll, ""],
  ]) {
    const found = new Map();
    for (const p of pkgs) {
      const family = familyOf(p.name);
      if (family && !allowed.has(family)) found.set(family, (found.get(family) ?? 0) + 1);
    }
    for (const [family, n] of found)
      problems.push(`${family} (${n} packages) is in the ${where}tree though nothing asked for it`);
  }

  const installedInternal = new Set(prod.filter((p) => INTERNAL.test(p.name)).map((p) => p.name));
  const expected = [...prodInternal].sort().join(", ");
  if ([...installedInternal].sort().join(", ") !== expected) {
    problems.push(
      `installed @fhir-dsl packages [${[...installedInternal].sort().join(", ")}] differ from what the manifests declare [${expected}]`,
    );
  }
  for (const p of all.filter((x) => x.peer && !x.dev)) {
    problems.push(`npm auto-installed peer dependency ${p.name}@${p.version}, which the consumer did not bring`);
  }
  return { lines, problems, prodCount: prod.length, totalCount: all.length };
}
