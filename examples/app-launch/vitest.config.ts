import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // one Chromium and one Redis at a time
    fileParallelism: false,
    // the AWS SDK's notice that its 2027 releases need Node 22: true, and not what these tests look at
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
