import { describe, expect, it } from "vitest";
import { DEFAULT_COMPARISON_BUDGET, diffScopes, parseScope, ScopeComparisonError } from "../src/index.js";

// SECURITY.md F15: granular scopes sharing one context and type were compared pairwise (2,000 + 2,000 took ~5 s).
const granular = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => `patient/Observation.rs?category=${tag}${i}`).join(" ");
const bestOf = (runs: number, f: () => void) => {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    f();
    best = Math.min(best, performance.now() - started);
  }
  return best;
};

// A seeded generator of restriction sets that nest and overlap everywhere: the hard case of subset queries.
const crafted = (n: number, names: number, k: number, perms: string, seed: number) => {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, () => {
    const params = new Set<string>();
    while (params.size < k) params.add(`p${Math.floor(next() * names)}=v`);
    return `patient/Observation.${perms}?${[...params].join("&")}`;
  }).join(" ");
};

describe("scope comparison cost (SECURITY.md F15, checklist 3.12, E1)", () => {
  it("compares granular sets of one context and type in near-linear time: 10x the scopes, far less than 100x the time", () => {
    const small = [granular(400, "a"), granular(400, "b")] as const;
    const large = [granular(4_000, "a"), granular(4_000, "b")] as const;
    bestOf(2, () => diffScopes(...small)); // warm-up
    const tSmall = bestOf(3, () => diffScopes(...small));
    let diff = diffScopes(...large);
    const tLarge = bestOf(3, () => (diff = diffScopes(...large)));
    expect(diff.missing).toHaveLength(4_000);
    expect(diff.added).toHaveLength(4_000);
    expect(diff.narrowed).toEqual([]);
    // quadratic would be ~100x (and took 20 s for 4,000 + 4,000); about 10-15x here
    expect(tLarge).toBeLessThan(Math.max(35 * tSmall, 100));
    // the brief's bound is 100 ms; the margin is for a slow shared CI machine
    expect(tLarge).toBeLessThan(500);
  });

  it("covers a granular set with itself, and nested restriction sets, in near-linear time", () => {
    const mixed = (n: number) =>
      Array.from(
        { length: n },
        (_, i) => `patient/Observation.rs?category=c${i % 50}&code=k${i} patient/Observation.cud?category=c${i % 50}`,
      ).join(" ");
    const set = parseScope(mixed(2_000));
    let covered = false;
    const t = bestOf(3, () => (covered = set.covers(mixed(2_000)) && diffScopes(mixed(2_000), mixed(2_000)).unchanged));
    expect(covered).toBe(true);
    expect(t).toBeLessThan(500);
  });

  it("stops a crafted comparison within its budget: a typed error, no scope text, in time comparable to an honest one", () => {
    const requested = crafted(3_000, 20, 10, "rs", 1);
    const granted = crafted(3_000, 20, 10, "cud", 2);
    const [a, b] = [granular(3_000, "a"), granular(3_000, "b")];
    diffScopes(a, b); // warm-up
    const honest = bestOf(3, () => diffScopes(a, b));
    let error: unknown;
    const elapsed = bestOf(2, () => {
      try {
        diffScopes(requested, granted);
      } catch (e) {
        error = e;
      }
    });
    expect(ScopeComparisonError.is(error)).toBe(true);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as ScopeComparisonError).code).toBe("scope_comparison_too_costly");
    expect(String(error) + JSON.stringify(error)).not.toContain("patient/");
    // without the budget this pair takes seconds (tens of times an honest pair); with it, a few times an honest pair
    expect(elapsed).toBeLessThan(6 * honest + 100);
    expect(elapsed).toBeLessThan(3_000);
  });

  it("lets the caller choose the budget, and refuses a budget that is not a positive number", () => {
    const a = crafted(300, 12, 6, "rs", 3);
    const b = crafted(300, 12, 6, "cud", 4);
    expect(() => diffScopes(a, b, { budget: 1_000 })).toThrow(ScopeComparisonError);
    expect(diffScopes(a, b, { budget: Number.POSITIVE_INFINITY }).missing.length).toBeGreaterThan(0);
    expect(() => parseScope(b).covers(a, { budget: 10 })).toThrow(ScopeComparisonError);
    for (const budget of [0, -1, Number.NaN, "1000"])
      expect(() => diffScopes(a, b, { budget: budget as number })).toThrow(TypeError);
    expect(DEFAULT_COMPARISON_BUDGET).toBeGreaterThan(0);
  });
});
