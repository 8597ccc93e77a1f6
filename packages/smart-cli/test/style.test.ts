/** Durations in words (`smart token`, `smart decode`): a rounded count never reaches the next unit ("60 minutes"). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { relative } from "../src/style.js";

describe("relative: a duration in words", () => {
  it("says a count that rounds up to the next unit in that unit", () => {
    expect(relative(3599)).toBe("in 1 hour");
    expect(relative(3599.6)).toBe("in 1 hour");
    expect(relative(-86_399)).toBe("1 day ago");
    expect(relative(59.6)).toBe("in 1 minute");
    expect(relative(1800)).toBe("in 30 minutes");
    expect(relative(300)).toBe("in 5 minutes");
    expect(relative(0.3)).toBe("in 0 seconds");
    expect(relative(-7200)).toBe("2 hours ago");
  });

  it("never says 60 seconds, 60 minutes or 24 hours, for any duration", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: -400 * 86_400, max: 400 * 86_400, noNaN: true }),
          // just under a whole number of minutes, hours or days, where rounding reaches the next unit
          fc
            .tuple(
              fc.constantFrom(60, 3600, 86_400),
              fc.integer({ min: 1, max: 30 }),
              fc.double({ min: 0, max: 0.49, noNaN: true }),
            )
            .map(([unit, k, under]) => k * unit - under * (unit === 60 ? 1 : 60)),
        ),
        (seconds) => {
          const words = relative(seconds);
          expect(words).toMatch(/^(in \d+ (day|hour|minute|second)s?|\d+ (day|hour|minute|second)s? ago)$/);
          expect(words).not.toMatch(/\b(60 (seconds|minutes)|24 hours)\b/);
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  });
});
