import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

export default defineConfig({
  entry: ["src/index.ts", "src/cli.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  target: "node20",
  treeshake: true,
  define: { __VERSION__: JSON.stringify(version) },
  // schema/output.schema.json ships as dist/output.schema.json (exports "./output.schema.json")
  publicDir: "schema",
});
