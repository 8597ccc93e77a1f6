import { defineConfig } from "tsup";

export default defineConfig([
  { entry: ["src/index.ts"], format: ["esm", "cjs"], dts: true, clean: true, target: "node20", treeshake: true },
  // the smart-kms-jwks command: ESM only (top-level await), no types
  { entry: ["src/cli.ts"], format: ["esm"], dts: false, target: "node20", treeshake: true },
]);
