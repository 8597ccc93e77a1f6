import { defineConfig } from "tsup";
import { base } from "../../tsup.base";

// "./testing": the shared contract suite for store adapters
export default defineConfig({ ...base, entry: ["src/index.ts", "src/testing.ts"] });
