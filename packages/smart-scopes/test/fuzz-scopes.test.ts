/**
 * Fuzz (issue 9): scope strings are outside input (token responses, introspection, user config). Any
 * string yields a ScopeSet: parseScope and the questions on a grant never throw, never hang, and
 * every misuse error is a TypeError. FUZZ_RUNS sets the cases per target (default 300; `pnpm fuzz`: 100,000).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildScopes,
  diffScopes,
  formatScope,
  parseScope,
  ScopeSet,
  type Interaction,
  type ScopeContext,
} from "../src/index.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
// Per-case ceiling: a parser that goes superlinear (ReDoS) on a 2 kB input shows up here.
const CASE_MS = 1_000;
const testTimeout = Math.max(20_000, RUNS * 5);

const scopeChar = fc.constantFrom(
  ...'patientusersystemlaunchObservation*./?=&|:_-%~#crudsPRW0129é\u00a0 \t\n\r"\\\u0000\u007f\ud800',
);
const scopeLike = fc.string({ unit: scopeChar, maxLength: 300 });
const grammarish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "openid",
        "fhirUser",
        "launch",
        "offline_access",
        "online_access",
        "profile",
        "launch/patient",
        "launch/encounter?role=x",
        "patient/*.rs",
        "user/Observation.read",
        "system/*.*",
        "patient/Observation.rs?category=laboratory&code=http://loinc.org|1234-5",
      ),
      fc
        .tuple(
          fc.constantFrom("patient", "user", "system", "launch", "", "PATIENT"),
          fc.constantFrom("/", "//", ".", ""),
          fc.string({ maxLength: 15 }),
          fc.constantFrom(".", "..", "?", ""),
          fc.string({ unit: fc.constantFrom(..."cruds*readwrite?=&|"), maxLength: 12 }),
        )
        .map((parts) => parts.join("")),
    ),
    { maxLength: 40 },
  )
  .map((tokens) => tokens.join(" "));
const anyScope = fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), scopeLike, grammarish);
const interaction = fc.constantFrom<Interaction>("create", "read", "update", "delete", "search");
const context = fc.option(fc.constantFrom<ScopeContext>("patient", "user", "system"), { nil: undefined });

function timed<T>(run: () => T): T {
  const started = performance.now();
  const result = run();
  expect(performance.now() - started).toBeLessThan(CASE_MS);
  return result;
}

describe(`fuzz: scope strings (${RUNS} cases per target)`, () => {
  it("parseScope of any string never throws; every question on the grant answers (checklist E1, E19)", {
    timeout: testTimeout,
  }, () => {
    fc.assert(
      fc.property(
        anyScope,
        anyScope,
        interaction,
        fc.string({ maxLength: 20 }),
        context,
        (granted, requested, what, type, ctx) => {
          timed(() => {
            const set = parseScope(granted);
            expect(set).toBeInstanceOf(ScopeSet);
            expect(typeof set.toString()).toBe("string");
            expect(typeof set.toV2String()).toBe("string");
            expect(JSON.parse(JSON.stringify(set))).toBe(set.toString());
            expect(typeof set.allows(what, type, ctx)).toBe("boolean");
            expect(typeof set.allowsUnrestricted(what, type, ctx)).toBe("boolean");
            expect(typeof set.has(requested)).toBe("boolean");
            expect(typeof set.covers(requested)).toBe("boolean");
            void set.launchContexts;
            void set.contexts;
            void [set.openid, set.fhirUser, set.offlineAccess, set.onlineAccess, set.launch];
            const diff = diffScopes(requested, granted);
            expect(typeof diff.unchanged).toBe("boolean");
            // Whatever parsed as a known scope writes back to a string that parses to the same kind.
            for (const scope of set.scopes) {
              if (scope.kind === "unknown") continue;
              expect(parseScope(formatScope(scope)).scopes[0]?.kind).toBe(scope.kind);
            }
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("parseScope of non-strings (null, numbers, objects from a bad JSON body) is an empty set, not a TypeError", {
    timeout: testTimeout,
  }, () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const set = parseScope(value as string);
        if (typeof value !== "string") expect(set.scopes).toHaveLength(0);
      }),
      { numRuns: RUNS },
    );
  });

  it("buildScopes: any array yields a string or a TypeError saying what to pass, nothing else", {
    timeout: testTimeout,
  }, () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyScope, fc.anything()), { maxLength: 20 }), (items) => {
        try {
          const out = buildScopes(items as string[]);
          expect(typeof out).toBe("string");
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError);
          expect((error as Error).message).toMatch(/^buildScopes: /);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("adversarial sizes: 200 kB scope strings of repeated near-misses parse in linear time (no ReDoS)", () => {
    const shapes = [
      "patient/",
      "patient/Observation.",
      "patient/Observation.rs?",
      "launch/patient?role=",
      `${"a".repeat(10)}.`,
      "patient/..............",
      "user/X.rs?a=b&",
    ];
    for (const shape of shapes) {
      for (const joiner of ["", " "]) {
        const text = Array.from({ length: Math.ceil(200_000 / (shape.length + 1)) }, () => shape).join(joiner);
        const started = performance.now();
        const set = parseScope(text);
        set.allows("read", "Observation");
        expect(performance.now() - started).toBeLessThan(2_000);
      }
    }
    // diffScopes/covers look only at scopes of the same context and type (SECURITY.md F7): a
    // 1,000-token grant (~30 kB) answers in milliseconds (scope-index.test.ts checks the growth).
    const many = Array.from({ length: 1_000 }, (_, i) => `patient/T${i}.rs`).join(" ");
    const started = performance.now();
    diffScopes(many, many);
    parseScope(many).covers(many);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

// Issue 15 §6: valid grants must be understood, so a parser that calls everything "unknown" (or allows
// nothing) fails. SMART 2.2 scopes-and-launch-context.html: context/Type.cruds (letters in order), v1
// read/write/*, granular `?param=value`, and the OpenID and launch scopes.
const LETTERS = ["c", "r", "u", "d", "s"] as const;
const INTERACTION: Record<(typeof LETTERS)[number], Interaction> = {
  c: "create",
  r: "read",
  u: "update",
  d: "delete",
  s: "search",
};
const validResource = fc
  .record({
    context: fc.constantFrom<ScopeContext>("patient", "user", "system"),
    type: fc.oneof(
      fc.constantFrom("Observation", "Patient", "MedicationRequest", "*"),
      fc.stringMatching(/^[A-Z][a-zA-Z]{1,20}$/),
    ),
    letters: fc.subarray([...LETTERS], { minLength: 1 }),
    query: fc.option(fc.stringMatching(/^[a-z][a-z-]{0,10}=[\w.:|-]{1,20}$/), { nil: undefined }),
  })
  .map((r) => ({ ...r, scope: `${r.context}/${r.type}.${r.letters.join("")}${r.query ? `?${r.query}` : ""}` }));
const validOther = fc.constantFrom(
  "openid",
  "fhirUser",
  "profile",
  "offline_access",
  "online_access",
  "launch",
  "launch/patient",
  "launch/encounter",
);

describe(`fuzz: valid scope strings are understood (${RUNS} cases)`, () => {
  it("every valid scope parses to its kind, is covered by its grant, and its interactions are allowed (counted)", {
    timeout: testTimeout,
  }, () => {
    let understood = 0;
    fc.assert(
      fc.property(
        fc.array(validResource, { minLength: 1, maxLength: 12 }),
        fc.subarray([
          "openid",
          "fhirUser",
          "profile",
          "offline_access",
          "online_access",
          "launch",
          "launch/patient",
          "launch/encounter",
        ]),
        validOther,
        (resources, others, extra) => {
          const granted = [...resources.map((r) => r.scope), ...others, extra].join(" ");
          const set = timed(() => parseScope(granted));
          expect(set.scopes.some((s) => s.kind === "unknown")).toBe(false);
          expect(set.covers(granted)).toBe(true);
          expect(diffScopes(granted, granted).unchanged).toBe(true);
          for (const r of resources) {
            expect(set.has(r.scope)).toBe(true);
            const type = r.type === "*" ? "Observation" : r.type;
            for (const letter of r.letters) expect(set.allows(INTERACTION[letter], type, r.context)).toBe(true);
            if (r.query === undefined)
              for (const letter of r.letters)
                expect(set.allowsUnrestricted(INTERACTION[letter], type, r.context)).toBe(true);
          }
          if (others.includes("openid")) expect(set.openid).toBe(true);
          if (others.includes("offline_access")) expect(set.offlineAccess).toBe(true);
          understood++;
        },
      ),
      { numRuns: RUNS },
    );
    expect(understood).toBe(RUNS);
  });

  it("v1 scopes: .read allows read and search, .write create/update/delete, .* all five (counted)", {
    timeout: testTimeout,
  }, () => {
    let understood = 0;
    const v1 = {
      read: ["read", "search"],
      write: ["create", "update", "delete"],
      "*": ["create", "read", "update", "delete", "search"],
    } as const;
    fc.assert(
      fc.property(
        fc.constantFrom<ScopeContext>("patient", "user", "system"),
        fc.stringMatching(/^[A-Z][a-zA-Z]{1,20}$/),
        fc.constantFrom("read", "write", "*") as fc.Arbitrary<keyof typeof v1>,
        (ctx, type, perm) => {
          const set = parseScope(`${ctx}/${type}.${perm}`);
          expect(set.scopes[0]?.kind).toBe("resource");
          for (const what of v1[perm]) expect(set.allows(what, type, ctx)).toBe(true);
          understood++;
        },
      ),
      { numRuns: RUNS },
    );
    expect(understood).toBe(RUNS);
  });
});
