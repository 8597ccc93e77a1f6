// What each page of a Vite build loads, read from its manifest (`build.manifest: true`): the JS at start (the
// page's entry chunk and its static imports, transitively) and the lazily loaded chunks behind a page's import().
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants } from "node:zlib";

/** The manifest of a build in `outDir`. */
export function readManifest(outDir) {
  return JSON.parse(readFileSync(join(outDir, ".vite", "manifest.json"), "utf8"));
}

/** Manifest keys reached from `keys` through static imports (the keys themselves included). */
function staticClosure(manifest, keys) {
  const seen = new Set();
  const visit = (key) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const next of manifest[key]?.imports ?? []) visit(next);
  };
  for (const key of keys) visit(key);
  return seen;
}

/**
 * For the page `html` (a manifest key such as "launch.html"): `start`, the JS files it loads before any import()
 * runs, and `lazy`, the further files each import() target matching `runs` loads (a regex on the target's name).
 */
export function pageFiles(manifest, html, runs = /^$/) {
  const start = staticClosure(manifest, [html]);
  const dynamic = new Set();
  for (const key of start) for (const target of manifest[key].dynamicImports ?? []) dynamic.add(target);
  const ran = [...dynamic].filter((key) => runs.test(manifest[key].name ?? key));
  const lazy = [...staticClosure(manifest, ran)].filter((key) => !start.has(key));
  const files = (keys) =>
    [...keys]
      .map((key) => manifest[key].file)
      .filter((file) => file.endsWith(".js"))
      .sort();
  return { start: files(start), lazy: files(lazy), notRun: files([...dynamic].filter((k) => !ran.includes(k))) };
}

export const brotliSize = (bytes) =>
  brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).byteLength;

/** Brotli bytes of each file, and their sum (each file compressed on its own, as a server sends it). */
export function sizeOf(outDir, files) {
  const each = files.map((file) => ({ file, brotliBytes: brotliSize(readFileSync(join(outDir, file))) }));
  return { files: each, brotliBytes: each.reduce((sum, f) => sum + f.brotliBytes, 0) };
}
