import { describe, expect, it } from "vitest";
import { singleFlight } from "../src/single-flight.js";

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

describe("singleFlight: concurrent callers of a cold provider share one promise (BENCHMARKS.md #2, cold stampede)", () => {
  it("gives every caller the same promise while pending, and runs again once settled", async () => {
    const runs: ReturnType<typeof deferred<string>>[] = [];
    const shared = singleFlight(() => {
      const d = deferred<string>();
      runs.push(d);
      return d.promise;
    });
    const callers = Array.from({ length: 1000 }, () => shared());
    expect(new Set(callers).size).toBe(1);
    expect(runs).toHaveLength(1);
    runs[0]!.resolve("Bearer a");
    expect(await Promise.all(callers)).toEqual(Array(1000).fill("Bearer a"));
    const next = shared();
    expect(next).not.toBe(callers[0]);
    expect(runs).toHaveLength(2);
    runs[1]!.resolve("Bearer b");
    expect(await next).toBe("Bearer b");
  });

  it("shares a rejection with every waiting caller, then starts over (no stuck failure, no unhandled rejection)", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      let n = 0;
      const shared = singleFlight(async () => {
        if (++n === 1) throw new Error("token endpoint down");
        return "Bearer ok";
      });
      const [a, b] = [shared(), shared()];
      await expect(a).rejects.toThrow("token endpoint down");
      await expect(b).rejects.toThrow("token endpoint down");
      expect(await shared()).toBe("Bearer ok");
      expect(n).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
