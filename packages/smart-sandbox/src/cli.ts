#!/usr/bin/env node
import { runCli } from "./cli-main.js";

runCli(process.argv.slice(2), { out: (t) => console.log(t), err: (t) => console.error(t) }).then(
  (sandbox) => {
    if (!sandbox) return;
    const stop = () => {
      void sandbox.close().then(() => process.exit(0));
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = err instanceof TypeError ? 2 : 1;
  },
);
