import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.mjs"],
    // one file at a time: the fleet test forks 8 processes and shares the machine's 2 cores
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
