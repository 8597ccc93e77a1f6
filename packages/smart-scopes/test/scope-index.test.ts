import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keyOf } from "../src/grammar.js";
import { diffScopes, type ParsedResourceScope, type ParsedScope, parseScope } from "../src/index.js";

// The pairwise definitions diffScopes had before the index (every token against every other one):
// the indexed version must give the same answers (SECURITY.md F7).
const isResource = (s: ParsedScope): s is ParsedResourceScope => s.kind === "resource";
const subsetParams = (a: ParsedResourceScope, b: ParsedResourceScope) =>
  a.params.every(([k, v]) => b.params.some(([k2, v2]) => k === k2 && v === v2));
const naiveCovered = (scopes: readonly ParsedScope[], p: ParsedScope) => {
  if (!isResource(p)) return scopes.some((s) => keyOf(s) === keyOf(p));
  const granted = scopes.flatMap((g) =>
    isResource(g) && g.context === p.context && (g.resource === "*" || g.resource === p.resource) && subsetParams(g, p)
      ? g.permissions
      : [],
  );
  return p.permissions.every((l) => granted.includes(l));
};
const naiveOverlaps = (a: ParsedScope, b: ParsedScope) =>
  isResource(a) &&
  isResource(b) &&
  a.context === b.context &&
  (a.resource === b.resource || a.resource === "*" || b.resource === "*") &&
  (subsetParams(a, b) || subsetParams(b, a)) &&
  a.permissions.some((p) => b.permissions.includes(p));
const naiveCompare = (from: readonly ParsedScope[], to: readonly ParsedScope[]) => {
  const uncovered = from.filter((p) => !naiveCovered(to, p));
  const raws = (xs: ParsedScope[]) => [...new Set(xs.map((s) => s.raw))];
  return [raws(uncovered), raws(uncovered.filter((p) => to.some((q) => naiveOverlaps(p, q))))];
};

// few contexts, types and params, so that scopes collide, nest and overlap often
const token = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("patient", "user"),
      fc.constantFrom("*", "Observation", "Patient"),
      fc.constantFrom("r", "s", "rs", "cud", "cruds", "read", "write", "*"),
      fc.constantFrom("", "?category=vital-signs", "?category=laboratory", "?category=vital-signs&code=1"),
    )
    .filter(([, , perms, query]) => !(query && ["read", "write", "*"].includes(perms)))
    .map(([c, r, p, q]) => `${c}/${r}.${p}${q}`),
  fc.constantFrom(
    "openid",
    "fhirUser",
    "launch",
    "launch/patient",
    "launch/encounter",
    "launch/patient?role=x",
    "offline_access",
    "weird.token",
  ),
);
const scopeString = fc.array(token, { maxLength: 12 }).map((tokens) => tokens.join(" "));

// granular-heavy (SECURITY.md F15): many scopes of one context and type, restriction sets drawn from a few
// names and values so that they nest, repeat (in any order, with duplicates) and overlap
const granular = fc
  .tuple(
    fc.constantFrom("patient", "user"),
    fc.constantFrom("Observation", "Observation", "Observation", "*", "Condition"),
    fc.constantFrom("r", "s", "rs", "cud", "cruds", "c", "ds"),
    fc.array(fc.tuple(fc.constantFrom("category", "code", "status", "a=b"), fc.constantFrom("x", "y", "z", "x=1")), {
      maxLength: 4,
    }),
  )
  .map(
    ([c, r, p, params]) =>
      `${c}/${r}.${p}${params.length ? `?${params.map(([k, v]) => `${k.replace("=", "")}=${v}`).join("&")}` : ""}`,
  );
const granularString = fc
  .array(fc.oneof({ weight: 9, arbitrary: granular }, { weight: 1, arbitrary: token }), { maxLength: 40 })
  .map((t) => t.join(" "));

describe("ScopeIndex: diffScopes and covers look only at candidate scopes (SECURITY.md F7, checklist 3.12, E1)", () => {
  it("gives the same missing / added / narrowed / widened as comparing every pair", () => {
    fc.assert(
      fc.property(scopeString, scopeString, (requested, granted) => {
        const d = diffScopes(requested, granted);
        const req = parseScope(requested).scopes;
        const got = parseScope(granted).scopes;
        expect([d.missing, d.narrowed]).toEqual(naiveCompare(req, got));
        expect([d.added, d.widened]).toEqual(naiveCompare(got, req));
        expect(parseScope(granted).covers(requested)).toBe(req.every((p) => naiveCovered(got, p)));
      }),
      { numRuns: 3000 },
    );
  });

  it("gives the same answers as comparing every pair on granular-heavy sets (SECURITY.md F15)", () => {
    let withParams = 0;
    fc.assert(
      fc.property(granularString, granularString, (requested, granted) => {
        const d = diffScopes(requested, granted);
        const req = parseScope(requested).scopes;
        const got = parseScope(granted).scopes;
        if ([...req, ...got].some((s) => isResource(s) && s.params.length > 1)) withParams++;
        expect([d.missing, d.narrowed]).toEqual(naiveCompare(req, got));
        expect([d.added, d.widened]).toEqual(naiveCompare(got, req));
        expect(parseScope(granted).covers(requested)).toBe(req.every((p) => naiveCovered(got, p)));
        // coverage one scope at a time, so that answers other than "false at the first one" are checked too
        for (const p of req) expect(parseScope(granted).covers(p.raw)).toBe(naiveCovered(got, p));
      }),
      { numRuns: 1500 },
    );
    // the generator reaches multi-restriction scopes in most runs
    expect(withParams).toBeGreaterThan(1000);
  });

  it("compares grants of 20,000 tokens in linear time", () => {
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) => `patient/T${i}.rs user/T${i}.cud?category=c${i % 7} launch/t${i} x${i}`).join(
        " ",
      );
    const small = many(500);
    const large = many(5_000); // 20,000 tokens
    const time = (f: () => void) => {
      const started = performance.now();
      f();
      return performance.now() - started;
    };
    time(() => diffScopes(small, small)); // warm-up
    const tSmall = time(() => diffScopes(small, small));
    const tLarge = time(() => {
      const d = diffScopes(large, large);
      expect(d.unchanged).toBe(true);
      expect(parseScope(large).covers(large)).toBe(true);
    });
    // 10x the tokens: linear is ~10-20x the time (covers adds one more pass); quadratic would be ~100x
    expect(tLarge).toBeLessThan(Math.max(40 * tSmall, 200));
    expect(tLarge).toBeLessThan(3_000);
  });
});
