import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: ["src/index.ts"],
    format: ["esm", "cjs"],
    dts: true,
    target: "node20",
    treeshake: true,
    // schema/output.schema.json ships as dist/output.schema.json (exports "./output.schema.json")
    publicDir: "schema",
  },
  {
    // the bin is ESM only and imports the entry above rather than bundling a second copy
    entry: ["src/cli.ts"],
    format: ["esm"],
    external: ["./index.js"],
    target: "node20",
    treeshake: true,
  },
]);
