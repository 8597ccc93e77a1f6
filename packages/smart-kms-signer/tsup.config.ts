import { defineConfig } from "tsup";
import { base } from "../../tsup.base";

export default defineConfig([
  base,
  // the smart-kms-jwks command: ESM only (top-level await), no types
  { ...base, entry: ["src/cli.ts"], format: ["esm"], dts: false, clean: false },
]);
