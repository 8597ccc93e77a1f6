import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matchesQuery } from "../src/fhir.js";
import { buildFixtures } from "../src/fixtures.js";
import { covers, parseResourceScope, permitting, splitScope, withinLimit } from "../src/scopes.js";

const contexts = fc.constantFrom("patient", "user", "system");
const types = fc.constantFrom("Patient", "Observation", "Condition", "*");
const v2perms = fc.subarray(["c", "r", "u", "d", "s"], { minLength: 1 }).map((letters) => letters.join(""));
const scopeArb = fc
  .tuple(
    contexts,
    types,
    fc.oneof(v2perms, fc.constantFrom("read", "write", "*")),
    fc.option(fc.constantFrom("category=laboratory", "code=x|y")),
  )
  .map(([c, t, p, q]) => `${c}/${t}.${p}${q ? `?${q}` : ""}`);

// Near-misses of the grammar: a valid scope with one character inserted, removed or replaced, so the
// accepting branch and the refusing branch both run (issue 15 §6: counted below).
const nearMiss = fc
  .tuple(
    scopeArb,
    fc.nat(),
    fc.constantFrom("insert", "remove", "replace"),
    fc.constantFrom(".", "/", "?", " ", "x", "R", "*", "c", "s", "=", ""),
  )
  .map(([s, at, how, ch]) => {
    const i = at % (s.length + 1);
    if (how === "insert") return s.slice(0, i) + ch + s.slice(i);
    if (how === "remove") return s.slice(0, i) + s.slice(i + 1);
    return s.slice(0, i) + ch + s.slice(i + 1);
  });

describe("scope parsing (outside input)", () => {
  it("never throws on arbitrary strings and only accepts the SMART grammar", () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), scopeArb, nearMiss), (s) => {
        const parsed = parseResourceScope(s);
        if (parsed) {
          accepted++;
          expect(s).toMatch(/^(patient|user|system)\/([A-Za-z]+|\*)\.(read|write|\*|c?r?u?d?s?)(\?.+)?$/);
          expect(parsed.perms.size).toBeGreaterThan(0);
          expect(s.startsWith(`${parsed.context}/${parsed.resource}.`)).toBe(true);
          expect(parsed.query === undefined ? !s.includes("?") : s.endsWith(`?${parsed.query}`)).toBe(true);
        } else refused++;
      }),
      { numRuns: 1_000 },
    );
    // the inner assertions ran: both branches, many times
    expect(accepted).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(200);
  });

  it("parses every well-formed v1/v2 scope, and a scope covers itself", () => {
    fc.assert(
      fc.property(scopeArb, (s) => {
        const parsed = parseResourceScope(s);
        expect(parsed).toBeDefined();
        expect(covers(parsed!, parsed!)).toBe(true);
        expect(withinLimit(s, s)).toBe(true);
      }),
    );
  });

  it("v1 .read equals v2 .rs, .write .cud, .* .cruds", () => {
    expect([...parseResourceScope("patient/Observation.read")!.perms].sort()).toEqual(["r", "s"]);
    expect([...parseResourceScope("user/*.write")!.perms].sort()).toEqual(["c", "d", "u"]);
    expect(parseResourceScope("system/*.*")!.perms.size).toBe(5);
    expect(parseResourceScope("patient/Observation.sr")).toBeUndefined();
    expect(parseResourceScope("patient/Observation.")).toBeUndefined();
  });

  it("covers is monotone: a wildcard type with all perms covers every scope of its context", () => {
    let permitted = 0;
    let notPermitted = 0;
    fc.assert(
      fc.property(scopeArb, (s) => {
        const parsed = parseResourceScope(s)!;
        const wide = parseResourceScope(`${parsed.context}/*.cruds`)!;
        expect(covers(wide, { ...parsed, query: parsed.query })).toBe(true);
        const hits = permitting([s], "Observation", "r");
        // permitted exactly when the type matches and the perms hold r
        const expected = (parsed.resource === "*" || parsed.resource === "Observation") && parsed.perms.has("r");
        expect(hits.length).toBe(expected ? 1 : 0);
        if (expected) permitted++;
        else notPermitted++;
      }),
      { numRuns: 500 },
    );
    expect(permitted).toBeGreaterThan(50);
    expect(notPermitted).toBeGreaterThan(50);
  });

  it("splitScope drops empties and duplicates and keeps order", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "", "c", "a")), (parts) => {
        const out = splitScope(parts.join(" "));
        expect(out).toEqual([...new Set(parts.filter(Boolean))]);
      }),
    );
  });
});

describe("search matching (outside input)", () => {
  const fixtures = buildFixtures();

  it("never throws on arbitrary query strings; an empty query matches everything", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.boolean(), (q, lenient) => {
        for (const r of fixtures.slice(0, 6)) matchesQuery(r, new URLSearchParams(q), lenient);
      }),
    );
    for (const r of fixtures) expect(matchesQuery(r, new URLSearchParams(""))).toBe(true);
  });

  it("adding a criterion never widens the result", () => {
    let nonEmpty = 0;
    fc.assert(
      fc.property(
        fc.constantFrom("patient=patient-1", "category=laboratory", "_id=obs-patient-1-lab", "code=2339-0"),
        fc.constantFrom("patient=patient-2", "category=vital-signs", "status=final", "unknown=1"),
        (a, b) => {
          const one = fixtures.filter((r) => matchesQuery(r, new URLSearchParams(a), true)).length;
          const two = fixtures.filter((r) => matchesQuery(r, new URLSearchParams(`${a}&${b}`), true)).length;
          expect(two).toBeLessThanOrEqual(one);
          if (one > 0) nonEmpty++;
        },
      ),
    );
    expect(nonEmpty).toBeGreaterThan(20); // the comparison ran on real result sets, not 0 <= 0
  });
});

describe("Set-Cookie parsing of the authorize() driver (outside input)", () => {
  it("never throws and only sends cookies whose path matches", async () => {
    const { CookieJar } = await import("../src/authorize-driver.js");
    // Set-Cookie lines of any shape, and well-formed ones with a path under the request's or elsewhere
    const cookieLine = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc
        .tuple(
          fc.stringMatching(/^[a-z]{1,8}$/),
          fc.stringMatching(/^[\w-]{1,12}$/),
          fc.constantFrom("", "; path=/", "; path=/auth", "; path=/other", "; httponly", "; max-age=0"),
        )
        .map(([n, v, attrs]) => `${n}=${v}${attrs}`),
    );
    let sent = 0;
    fc.assert(
      fc.property(
        fc.array(cookieLine, { maxLength: 5 }),
        fc.constantFrom("auth", "auth/x", "other", "", "z"),
        (lines, path) => {
          const jar = new CookieJar();
          jar.store(lines, `/${path}`);
          const header = jar.header(`/${path}`);
          if (header !== undefined) {
            sent++;
            expect(header.length).toBeGreaterThan(0);
            // each cookie sent was stored by one of the lines
            for (const pair of header.split("; "))
              expect(lines.some((l) => l.split(";")[0]!.trim() === pair)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
    expect(sent).toBeGreaterThan(50);
    const jar = new CookieJar();
    jar.store(
      ["a=1; path=/auth/interaction/x; httponly", "b=2; path=/auth", "c=3; path=/other", "d=4; max-age=0; path=/"],
      "/auth/authorize",
    );
    expect(jar.header("/auth/interaction/x")).toBe("a=1; b=2");
    expect(jar.header("/auth/authorizex")).toBe("b=2");
    expect(jar.header("/authz")).toBeUndefined();
    jar.store(["b=; path=/auth; expires=Thu, 01 Jan 1970 00:00:00 GMT"], "/auth");
    expect(jar.header("/auth/x")).toBeUndefined();
  });
});
