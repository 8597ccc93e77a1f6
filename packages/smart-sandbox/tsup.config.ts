import { defineConfig } from "tsup";
import { base } from "../../tsup.base";

// "./testing": registerBackendClient, a helper for tests that use the sandbox
export default defineConfig({ ...base, entry: ["src/index.ts", "src/cli.ts", "src/testing.ts"] });
