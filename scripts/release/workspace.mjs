// Step 1-2: the publishable packages, copied with the changeset files to a throwaway folder, versioned there.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { cp, mkdir, readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import { ReleaseError, runOk } from "./util.mjs";

const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));

/** { name, version, dir (folder name), manifest } of every non-private packages/* package. */
export function publishablePackages(repo) {
  const root = join(repo, "packages");
  return readdirSync(root)
    .filter((dir) => existsSync(join(root, dir, "package.json")))
    .map((dir) => ({ dir, manifest: readJson(join(root, dir, "package.json")) }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ dir, name: manifest.name, version: manifest.version, manifest }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Builds are `.ci/run`'s job: a package without a non-empty dist/ cannot be packed. */
export function assertBuilt(repo, packages) {
  const missing = packages.filter(({ dir }) => {
    const dist = join(repo, "packages", dir, "dist");
    return !existsSync(dist) || !statSync(dist).isDirectory() || readdirSync(dist).length === 0;
  });
  if (missing.length > 0) {
    throw new ReleaseError(
      `no dist/ in ${missing.map((p) => p.name).join(", ")}: build first (pnpm turbo run build at the repo root)`,
    );
  }
}

const skipped = new Set(["node_modules", ".turbo"]);

/**
 * Copies the packages and the root files changesets reads into `copy`, then links each package's
 * workspace siblings into its node_modules (what `pnpm install` would do) so `pnpm pack` can resolve `workspace:`.
 */
export async function copyWorkspace(repo, packages, copy) {
  await mkdir(join(copy, "packages"), { recursive: true });
  for (const file of ["package.json", "pnpm-workspace.yaml"]) await cp(join(repo, file), join(copy, file));
  if (existsSync(join(repo, ".changeset")))
    await cp(join(repo, ".changeset"), join(copy, ".changeset"), { recursive: true });
  // changesets resolves its changelog module (`@changesets/cli/changelog`) from the root: read-only use of the repo's
  await symlink(join(repo, "node_modules"), join(copy, "node_modules"), "dir");
  for (const { dir } of packages) {
    await cp(join(repo, "packages", dir), join(copy, "packages", dir), {
      recursive: true,
      filter: (src) => !skipped.has(src.split("/").pop()),
    });
  }
  for (const { dir } of packages) {
    const scopeDirs = new Set();
    for (const sibling of packages) {
      if (sibling.dir === dir) continue;
      const [scope, bare] = sibling.name.startsWith("@") ? sibling.name.split("/") : [undefined, sibling.name];
      const parent = scope
        ? join(copy, "packages", dir, "node_modules", scope)
        : join(copy, "packages", dir, "node_modules");
      if (!scopeDirs.has(parent)) await mkdir(parent, { recursive: true });
      scopeDirs.add(parent);
      await symlink(join(copy, "packages", sibling.dir), join(parent, bare), "dir");
    }
  }
}

/** Runs `changeset version` in the copy; returns [{ name, from, to }] for every package it bumped. */
export async function versionCopy(repo, packages, copy) {
  const bin = join(repo, "node_modules", ".bin", "changeset");
  if (!existsSync(bin)) throw new ReleaseError(`changesets CLI not found at ${bin}: run pnpm install at the repo root`);
  const pending = existsSync(join(copy, ".changeset"))
    ? readdirSync(join(copy, ".changeset")).filter((f) => f.endsWith(".md") && f !== "README.md")
    : [];
  const named = new Map(); // package -> bump types its own changesets ask for
  for (const file of pending) {
    const front = /^---\n([\s\S]*?)\n---/.exec(await readFile(join(copy, ".changeset", file), "utf8"))?.[1] ?? "";
    for (const [, name, type] of front.matchAll(/["']?([^"'\s:]+)["']?\s*:\s*(major|minor|patch)/g))
      named.set(name, [...(named.get(name) ?? []), type]);
  }
  const result = await runOk("changeset version (in the throwaway copy)", bin, ["version"], {
    cwd: copy,
    env: { CI: "true" },
  });
  const bumps = [];
  for (const pkg of packages) {
    const after = JSON.parse(await readFile(join(copy, "packages", pkg.dir, "package.json"), "utf8"));
    const why = named.has(pkg.name)
      ? `changeset: ${named.get(pkg.name).join(", ")}`
      : "no changeset of its own: dependencies bumped";
    if (after.version !== pkg.version) bumps.push({ name: pkg.name, from: pkg.version, to: after.version, why });
    pkg.releaseVersion = after.version;
  }
  return { pending, bumps, output: result.stdout + result.stderr };
}
