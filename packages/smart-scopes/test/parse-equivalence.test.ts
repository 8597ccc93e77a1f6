/**
 * issue 22: parseScope reads resource scopes by hand and splits on " " first, for speed. The grammar must not move:
 * every string parses exactly as the regex grammar it replaced (reference-grammar.ts), token for token, key for key
 * (checklist 3.1-3.10, E19).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseScope, ScopeSet } from "../src/index.js";
import { referenceParse } from "./reference-grammar.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

// The same as the reference, with key order (JSON) and values (toEqual) both compared.
const same = (scope: string) => {
  const got = parseScope(scope).scopes;
  const want = referenceParse(scope);
  expect(got, JSON.stringify(scope)).toEqual(want);
  expect(JSON.stringify(got)).toBe(JSON.stringify(want));
};

// Characters that sit on every boundary of the grammar: separators, letters of each part, and the forbidden ones.
const edgeChar = fc.constantFrom(
  ...'patientusersystemlaunchroleObservation*./?=&|:_-%~#crudsxwPRW0129é \t\n\v\f\r\u00a0\u2028\ufeff"\\\u0000\u001f\u007f\ud800',
);
const part = (units: string, maxLength: number) => fc.string({ unit: fc.constantFrom(...units), maxLength });
// Near-grammar tokens: each part drawn from valid and invalid pieces.
const nearToken = fc
  .tuple(
    fc.constantFrom("patient", "user", "system", "launch", "profile", "openid", "PATIENT", "patients", "use", "", "s"),
    fc.constantFrom("/", "//", "", "."),
    fc.oneof(
      fc.constantFrom("*", "Observation", "Patient", "*x", "O", "o", "", "Obs.x", "A?b"),
      part('AZaz09*?.=&\t"é', 8),
    ),
    fc.constantFrom(".", "..", "", "?"),
    fc.oneof(
      fc.constantFrom("read", "write", "*", "rs", "cruds", "sr", "rr", "", "reads", "wr", "**", "c", "s", "cud"),
      part("crudsxw*", 6),
    ),
    fc.oneof(
      fc.constant(""),
      part('?=&ab|:\u00a0\t"\\é', 12).map((q) => `?${q}`),
      fc.constantFrom("?a=1", "?a=1&b=2", "?a==1", "?=1", "?a=", "?a=1&", "?&a=1", "?a=1&&b=2", "?a=b=c", "?role=x"),
    ),
  )
  .map((parts) => parts.join(""));
const launchToken = fc
  .tuple(
    fc.constantFrom("launch/", "launch", "launch//", "launcH/"),
    part('patientEncounter09é"\t/', 10),
    fc.oneof(fc.constant(""), part('?role=&x\u00a0"\\', 12)),
  )
  .map((parts) => parts.join(""));
const scopeString = fc
  .array(
    fc.tuple(
      fc.oneof(nearToken, launchToken, fc.string({ unit: edgeChar, maxLength: 30 })),
      fc.constantFrom(" ", "  ", "\t", "\n", " \r\n ", "\f", "\v", ""),
    ),
    { maxLength: 30 },
  )
  .map((pairs) => pairs.flat().join(""));

describe("parseScope reads every string as the regex grammar did (issue 22, checklist 3.1-3.10, E19)", () => {
  it("near-grammar strings with every separator and forbidden character: same tokens, kinds, keys and values", () => {
    fc.assert(fc.property(scopeString, same), { numRuns: RUNS * 10 });
  });

  it("arbitrary strings (any UTF-16 unit, lone surrogates included): same result", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 200 }), same), { numRuns: RUNS * 3 });
    fc.assert(fc.property(fc.string({ unit: edgeChar, maxLength: 200 }), same), { numRuns: RUNS * 3 });
  });

  it("every context x type x access x query in a grid of valid and invalid parts: same result", () => {
    let checked = 0;
    for (const context of ["patient", "user", "system", "patien", "users", "System", ""])
      for (const type of ["*", "Observation", "O", "Ob2", "obs", "", "**", "O-b", "O\u00e9"])
        for (const access of ["read", "write", "*", "", "c", "cruds", "rs", "sr", "cudr", "crudss", "x", "READ", "wri"])
          for (const query of [
            "",
            "?",
            "?a=1",
            "?a=1&b=2=3",
            "?a",
            "?=1",
            "?a=",
            "?a=1&",
            "?a=\u00a0",
            '?a="',
            "?a=\\",
            "?a=\u0000",
            "?a=1?b=2",
          ]) {
            same(`${context}/${type}.${access}${query}`);
            checked++;
          }
    expect(checked).toBe(7 * 9 * 13 * 13);
  });

  it("200 kB of tab-joined tokens, of bare spaces, or one 200 kB token parse in linear time, as before (no ReDoS)", () => {
    for (const text of [
      "patient/Observation.rs\t".repeat(9_000),
      " ".repeat(200_000),
      `patient/Observation.rs?a=${"b".repeat(200_000)}`,
      "\t \n".repeat(70_000),
    ]) {
      const started = performance.now();
      same(text);
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });

  it("tokens glued by tab, newline, vertical tab, form feed or carriage return split as before (E19)", () => {
    for (const sep of ["\t", "\n", "\v", "\f", "\r", "\r\n", " \t ", "\u00a0"]) {
      same(`patient/Observation.rs${sep}openid${sep}launch/patient${sep}user/*.read?x=1${sep}system/Patient.cruds?a=b`);
      same(`${sep}openid${sep}`);
    }
  });
});

describe("ScopeSet keeps parseScope's frozen list without a copy (issue 22), and still copies a mutable one", () => {
  it("parseScope's scopes are frozen; a mutable array passed in is copied, so changing it later changes nothing", () => {
    expect(Object.isFrozen(parseScope("openid patient/*.rs").scopes)).toBe(true);
    const frozen = Object.freeze(parseScope("openid").scopes.slice());
    expect(new ScopeSet(frozen).scopes).toBe(frozen);
    const mutable = [...parseScope("openid fhirUser").scopes];
    const set = new ScopeSet(mutable);
    mutable.pop();
    expect(set.scopes).toHaveLength(2);
    expect(Object.isFrozen(set.scopes)).toBe(true);
  });
});
