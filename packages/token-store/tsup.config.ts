import { defineConfig } from "tsup";
import { perModule } from "../../tsup.base";

// "./testing": the shared contract suite for store adapters; ESM one file per module, CJS one bundled file per entry
export default defineConfig(perModule(["src/index.ts", "src/testing.ts"]));
