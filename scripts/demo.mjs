// `pnpm demo`: builds what the backend-services example needs, then runs it on embedded defaults
// (in-process sandbox, in-memory token store). Environment variables switch it to a real server.
import { spawnSync } from "node:child_process";
import fs from "node:fs";

const example = new URL("../examples/backend-services/package.json", import.meta.url);
if (!fs.existsSync(example)) {
  console.log("pnpm demo: the backend-services example is not in this checkout yet; nothing to run.");
  process.exit(0);
}
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1" };
const run = (args) => spawnSync("pnpm", args, { stdio: "inherit", env }).status ?? 1;
const built = run(["turbo", "run", "build", "--filter=@example/backend-services...", "--output-logs=errors-only"]);
if (built !== 0) process.exit(built);
process.exit(run(["--filter", "@example/backend-services", "start"]));
