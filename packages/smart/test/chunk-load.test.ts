// Issue 20 item 6: a part loaded through import() on first use whose file cannot be fetched (offline, the app's
// server down) fails typed, `network_error` and retryable, never as a raw TypeError; the next caller loads again.
import { describe, expect, it } from "vitest";
import { SmartAuthError } from "../src/errors.js";
import { chunkLoader } from "../src/chunk-load.js";

const chunkError = () => new TypeError("Failed to fetch dynamically imported module: https://app.example/x.js");

describe("chunkLoader (issue 20 item 6)", () => {
  it("loads once and shares the module between callers", async () => {
    let loads = 0;
    const load = chunkLoader("test", async () => ({ n: ++loads }));
    const [a, b] = await Promise.all([load(), load()]);
    expect(a).toBe(b);
    expect(await load()).toBe(a);
    expect(loads).toBe(1);
  });

  it("a failed load is a retryable network_error with the loader's error as cause, and the next call loads again", async () => {
    let loads = 0;
    const cause = chunkError();
    const load = chunkLoader("test", async () => {
      if (++loads === 1) throw cause;
      return { ok: true };
    });
    const failure = await load().catch((error: unknown) => error);
    expect(SmartAuthError.is(failure, "network_error")).toBe(true);
    expect(failure).toMatchObject({ retryable: true, cause });
    expect((failure as Error).message).toBe("Could not load test: its file was not reachable");
    expect(await load()).toEqual({ ok: true });
    expect(loads).toBe(2);
  });

  it("a load no caller awaits fails quietly: no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", record);
    try {
      chunkLoader("test", async () => {
        throw chunkError();
      })();
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off("unhandledRejection", record);
    }
    expect(unhandled).toEqual([]);
  });
});
