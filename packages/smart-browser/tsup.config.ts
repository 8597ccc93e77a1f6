import { defineConfig } from "tsup";
import { perModule } from "../../tsup.base";

// ESM one file per module, CJS one bundled index.cjs (see perModule)
export default defineConfig(perModule());
