import { rmSync } from "node:fs";
import type { Options } from "tsup";

/**
 * What every published package builds (imported by each package's tsup.config.ts, which adds only what differs):
 * ESM `.js` + CJS `.cjs` with `.d.ts` / `.d.cts`, for Node 20, tree-shaken, `dist/` emptied first.
 */
export const base = {
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  target: "node20",
  treeshake: true,
} satisfies Options;

/**
 * The packages a browser app loads: ESM at module granularity, one `dist/<module>.js` per `src/<module>.ts`, so that
 * a bundler that chunks by module (Rollup, Vite, webpack) gives each page only the modules it imports; `import()`
 * targets stay their own files. Node (the `node` export condition) gets the ESM bundled per entry in `dist/node/`
 * (import() targets as chunks), as before: loading some 80 small files instead of about 20 made
 * `import("@fhir-dsl/smart")` measurably slower. CJS stays one bundled `.cjs` per entry (per-file CJS would
 * duplicate classes across entries and break `instanceof`). Types stay rolled up per entry. `entries` are the
 * package's exports.
 */
export function perModule(entries: string[] = ["src/index.ts"]): () => Options[] {
  const shared = { target: "node20", clean: false } satisfies Options;
  return () => {
    // the four builds below run in parallel, so none may clean: empty dist/ once, before all of them
    rmSync("dist", { recursive: true, force: true });
    return [
      { ...shared, entry: ["src/**/*.ts"], format: ["esm"], bundle: false },
      { ...shared, entry: entries, format: ["esm"], outDir: "dist/node", treeshake: true },
      { ...shared, entry: entries, format: ["cjs"], treeshake: true },
      // one declaration pass writes both .d.ts and .d.cts
      { ...shared, entry: entries, format: ["esm", "cjs"], dts: { only: true } },
    ];
  };
}
