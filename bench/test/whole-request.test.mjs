// Row 7's harness (issue 22: auth.fetch within 1.03x of a plain fetch) must read a plain fetch against itself as
// 1.00 and see a real 3 % cost, on this shared machine. Sequential row only: 64 in flight needs minutes to
// resolve a few percent under other load (BENCHMARKS.md, "Noise on this machine"; --sensitivity shows it).
import { describe, expect, it } from "vitest";
import { busyWait, measureWholeRequest } from "../src/whole-request.mjs";

/** A plain fetch with the static header, slowed by a busy wait of `us` per call: its true ratio is known. */
const slowPlain = (us) => (smart, url) => {
  const init = { headers: { authorization: smart.getAuthorization({ url, method: "GET" }) } };
  return (u) => (busyWait(us), fetch(u, init));
};

const sequential = async (us) =>
  (await measureWholeRequest({ sequentialCycles: 30, cycles: 0, warmup: 3, authorizedFetch: slowPlain(us) })).rows[0];

describe("whole request harness, sequential (issue 22, BENCHMARKS.md row 7)", () => {
  it("reads plain vs plain (A/A) as 1.00 and a 10 us busy wait per call as about 10 us over a request's p50", async () => {
    const row = await sequential(10);
    expect(Math.abs(row.aa.p50.mean - 1)).toBeLessThan(0.02);
    expect(Math.abs(row.aa.rps.mean - 1)).toBeLessThan(0.05);
    const expected = 10 / row.plain.p50;
    expect(row.ab.p50.mean - 1).toBeGreaterThan(expected * 0.5);
    expect(row.ab.p50.mean - 1).toBeLessThan(expected * 2);
    // throughput from capped summed times sees it too, more loosely (the cap trims the slowest 5 %)
    expect(row.ab.rps.mean - 1).toBeGreaterThan(expected * 0.3);
  }, 60_000);

  it("tells a 3 % cost from none: a wait of 3 % of a plain request's p50 reads above 1.01x, its interval above 1", async () => {
    const probe = await sequential(0);
    expect(Math.abs(probe.ab.p50.mean - 1)).toBeLessThan(0.02); // plain + 0 us is plain
    const row = await sequential(probe.plain.p50 * 0.03);
    expect(row.ab.p50.mean).toBeGreaterThan(1.01);
    expect(row.ab.p50.mean).toBeLessThan(1.08);
    expect(row.ab.p50.mean - row.ab.p50.ci).toBeGreaterThan(1);
  }, 60_000);
});
