import { defineConfig } from "tsup";
import { base } from "../../tsup.base";

// no `clean`: the two builds share dist/ (the build script empties it first)
export default defineConfig([
  // schema/output.schema.json ships as dist/output.schema.json (exports "./output.schema.json")
  { ...base, clean: false, publicDir: "schema" },
  // the bin is ESM only and imports the entry above rather than bundling a second copy
  { ...base, entry: ["src/cli.ts"], format: ["esm"], dts: false, clean: false, external: ["./index.js"] },
]);
