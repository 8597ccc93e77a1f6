import { describe, expect, expectTypeOf, it } from "vitest";
import {
  DiscoveryError,
  DiscoveryErrorCode,
  ScopeComparisonError,
  ScopeComparisonErrorCode,
  SmartAuthError,
  SmartAuthErrorCode,
  TokenStoreError,
  TokenStoreErrorCode,
} from "../src/index.js";

// Issue 16 item 4: one error convention. Every class re-exported by @fhir-dsl/smart has snake_case codes and a
// static `is(value, code?)` that works across copies of a package (a Symbol.for brand, not instanceof).
const SNAKE = /^[a-z]+(_[a-z]+)*$/;

const classes = [
  {
    name: "SmartAuthError",
    Class: SmartAuthError,
    codes: SmartAuthErrorCode,
    make: (code: string) => new SmartAuthError("m", { code: code as SmartAuthErrorCode }),
  },
  {
    name: "DiscoveryError",
    Class: DiscoveryError,
    codes: DiscoveryErrorCode,
    make: (code: string) => new DiscoveryError("m", { code: code as DiscoveryErrorCode, url: "https://h/fhir" }),
  },
  {
    name: "TokenStoreError",
    Class: TokenStoreError,
    codes: TokenStoreErrorCode,
    make: (code: string) => new TokenStoreError("m", { code: code as TokenStoreErrorCode }),
  },
  {
    name: "ScopeComparisonError",
    Class: ScopeComparisonError,
    codes: ScopeComparisonErrorCode,
    make: () => new ScopeComparisonError(10),
  },
] as const;

describe("error convention (issue 16 item 4)", () => {
  for (const { name, Class, codes, make } of classes) {
    const is = Class.is as (value: unknown, code?: string) => boolean;
    const all = Object.values(codes) as string[];

    it(`${name}: every code is snake_case and unique`, () => {
      expect(all.length).toBeGreaterThan(0);
      for (const code of all) expect(code, code).toMatch(SNAKE);
      expect(new Set(all).size).toBe(all.length);
    });

    it(`${name}.is(x, code) is true for that code only`, () => {
      for (const code of all) {
        const error = make(code);
        expect(error.name).toBe(name);
        expect(is(error)).toBe(true);
        expect(is(error, code)).toBe(true);
        for (const other of all) if (other !== code) expect(is(error, other)).toBe(false);
        expect(is(error, "not_a_code")).toBe(false);
      }
    });

    it(`${name}.is works for another copy of the package and refuses look-alikes`, () => {
      const code = all[0]!;
      const brand = Object.getOwnPropertySymbols(make(code)).find((s) => Symbol.keyFor(s)?.startsWith("@fhir-dsl/"));
      expect(brand, "a registered (Symbol.for) brand").toBeDefined();
      // what a second copy of the package (another version, a CJS/ESM pair, a realm) builds: not instanceof this class
      const foreign = Object.assign(new Error("m"), { name, code, [brand!]: true });
      expect(foreign instanceof Class).toBe(false);
      expect(is(foreign)).toBe(true);
      expect(is(foreign, code)).toBe(true);
      // same name and code without the brand: a look-alike, not this error
      for (const value of [
        Object.assign(new Error("m"), { name, code }),
        { name, code },
        undefined,
        null,
        0,
        "",
        code,
        Symbol(code),
      ]) {
        expect(is(value)).toBe(false);
      }
    });
  }

  it("types: is(x, code) narrows `code` on a match, and a miss leaves the class as it was (typecheck)", () => {
    const error: unknown = new SmartAuthError("m", { code: SmartAuthErrorCode.Timeout });
    let seen = "";
    if (SmartAuthError.is(error)) {
      if (SmartAuthError.is(error, SmartAuthErrorCode.Network)) {
        expectTypeOf(error.code).toEqualTypeOf<"network_error">();
        seen = "network";
      } else {
        // a plain `value is SmartAuthError` predicate would make this `never`
        expectTypeOf(error).toEqualTypeOf<SmartAuthError>();
        seen = error.code;
      }
    }
    expect(seen).toBe("timeout");
    if (DiscoveryError.is(error, DiscoveryErrorCode.Timeout))
      expectTypeOf(error.code).toEqualTypeOf<"discovery_timeout">();
  });
});
