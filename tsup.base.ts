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
