#!/usr/bin/env node
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { runCli } from "./index.js";

/** Opens a URL in the system browser (xdg-open, open, start); any failure is ignored: the URL is printed anyway. */
function openUrl(url: string): void {
  const [cmd, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", '""', url]]
        : ["xdg-open", [url]];
  try {
    const child = spawn(cmd as string, args as string[], { stdio: "ignore", detached: true });
    child.on("error", () => {});
    child.unref();
  } catch {
    // no browser: the URL is on the terminal
  }
}

const controller = new AbortController();
process.once("SIGINT", () => {
  // a waiting launch closes its listener on abort; anything else still running is stopped shortly after
  controller.abort();
  setTimeout(() => process.exit(130), 500).unref();
});
// read at run time, so the version printed is the installed package's
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};
runCli(process.argv.slice(2), { openUrl, signal: controller.signal, version }).then((code) => {
  process.exitCode = code;
});
