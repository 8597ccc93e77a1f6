import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildScopes,
  diffScopes,
  formatScope,
  type Interaction,
  type ParsedScope,
  parseScope,
  type Permission,
  resourceScope,
  type ScopeContext,
} from "../src/index.js";

const RUNS = { numRuns: 500 };
const PERMS = ["c", "r", "u", "d", "s"] as const;
const V1: Record<string, "read" | "write" | "*"> = { rs: "read", cud: "write", cruds: "*" };
const INTERACTIONS: Interaction[] = ["create", "read", "update", "delete", "search"];

// characters that occur in scopes, plus some that must not break anything
const scopeChar = fc.constantFrom(...'patientusersystemlaunchObservation*./?=&|:_-%~#crudsPRW0129é\u00a0 \t\n"\\');
const scopeLike = fc.string({ unit: scopeChar, maxLength: 60 });
const anyString = fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), scopeLike);

const context = fc.constantFrom<ScopeContext>("patient", "user", "system");
const resource = fc.oneof(
  fc.constantFrom("*", "Observation", "Patient", "Condition", "MedicationRequest"),
  fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,12}$/),
);
const permissions = fc.subarray([...PERMS], { minLength: 1 });
const paramText = (forbidden: RegExp) =>
  fc
    .string({ unit: fc.constantFrom(..."abcXYZ019:./|?_-%~#=é"), minLength: 1, maxLength: 20 })
    .filter((s) => !forbidden.test(s));
const params = fc.array(fc.tuple(paramText(/[=&]/), paramText(/&/)), { maxLength: 3 });

/** A valid resource scope with its expected text, written independently of the library. */
const resourceEntry = fc
  .record({ context, resource, permissions, params, v1: fc.boolean() })
  .map(({ context, resource, permissions, params, v1 }) => {
    const letters = permissions.join("");
    const v1Access = v1 && !params.length ? V1[letters] : undefined;
    const query = params.length ? `?${params.map(([k, v]) => `${k}=${v}`).join("&")}` : "";
    const raw = `${context}/${resource}.${v1Access ?? letters}${query}`;
    const parsed: ParsedScope = v1Access
      ? { kind: "resource", raw, context, resource, permissions: [...permissions], syntax: "v1", v1Access, params }
      : { kind: "resource", raw, context, resource, permissions: [...permissions], syntax: "v2", params };
    return parsed;
  });
const otherEntry: fc.Arbitrary<ParsedScope> = fc.oneof(
  fc
    .constantFrom(...(["openid", "fhirUser", "profile", "offline_access", "online_access", "launch"] as const))
    .map((kind) => ({
      kind,
      raw: kind,
    })),
  fc
    .tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/), fc.option(paramText(/&/), { nil: undefined }))
    .map(([type, role]): ParsedScope => {
      const raw = `launch/${type}${role === undefined ? "" : `?role=${role}`}`;
      return role === undefined ? { kind: "launch-context", raw, type } : { kind: "launch-context", raw, type, role };
    }),
  fc.stringMatching(/^__[a-zA-Z]{1,8}\.[a-z]{1,6}$/).map((raw): ParsedScope => ({ kind: "unknown", raw })),
);
const entry = fc.oneof(resourceEntry, otherEntry);

describe("property: parseScope never throws (checklist 3.12, E19)", () => {
  it("reads any string without throwing, every token formatted back as written", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const set = parseScope(s);
        for (const p of set.scopes) expect(formatScope(p)).toBe(p.raw);
        expect(parseScope(set.toString()).toString()).toBe(set.toString());
        set.toV2String();
        set.allows("read", "Observation");
      }),
      { numRuns: 2000 },
    );
  });
});

describe("property: round trips", () => {
  it("parseScope(formatScope(x)) gives back x for generated valid scopes", () => {
    fc.assert(
      fc.property(entry, (x) => {
        expect(formatScope(x)).toBe(x.raw);
        expect(parseScope(formatScope(x)).scopes).toEqual([x]);
      }),
      RUNS,
    );
  });

  it("resourceScope output parses to the same context, resource, permissions and params (3.1, 3.8)", () => {
    fc.assert(
      fc.property(context, resource, permissions, params, fc.boolean(), (c, r, perms, ps, asString) => {
        const shuffled = [...perms].reverse() as Permission[];
        const scope = resourceScope({
          context: c,
          resource: r,
          perms: asString ? shuffled.join("") : shuffled,
          params: ps,
        });
        expect(parseScope(scope).scopes).toEqual([
          { kind: "resource", raw: scope, context: c, resource: r, permissions: perms, syntax: "v2", params: ps },
        ]);
      }),
      RUNS,
    );
  });

  it("buildScopes output re-parses to the same tokens, first of duplicates kept (E19)", () => {
    const item = fc.oneof(
      entry.map((e) => e.raw),
      fc.constantFrom(false as const, null, undefined, ""),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 12 }), (items) => {
        const tokens = [...new Set(items.filter((i): i is string => Boolean(i)))];
        const built = buildScopes(items);
        expect(built).toBe(tokens.join(" "));
        expect(parseScope(built).scopes.map((s) => s.raw)).toEqual(tokens);
      }),
      RUNS,
    );
  });
});

describe("property: questions on a grant (checklist 3.4, 3.7, E1)", () => {
  const scopeList = fc.array(entry, { maxLength: 8 }).map((xs) => xs.map((x) => x.raw).join(" "));

  it("a grant equal to the request, reordered or rewritten to v2, is unchanged", () => {
    fc.assert(
      fc.property(scopeList, (s) => {
        const set = parseScope(s);
        expect(diffScopes(s, s).unchanged).toBe(true);
        expect(
          diffScopes(
            s,
            [...set.scopes]
              .reverse()
              .map((p) => p.raw)
              .join("\n"),
          ).unchanged,
        ).toBe(true);
        expect(diffScopes(set, set.toV2String()).unchanged).toBe(true);
        expect(set.covers(set)).toBe(true);
      }),
      RUNS,
    );
  });

  it("nothing missing means the grant covers the request; narrowed ⊆ missing, widened ⊆ added", () => {
    fc.assert(
      fc.property(scopeList, scopeList, (requested, granted) => {
        const d = diffScopes(requested, granted);
        expect(d.missing.length === 0).toBe(d.granted.covers(d.requested));
        expect(d.added.length === 0).toBe(d.requested.covers(d.granted));
        for (const n of d.narrowed) expect(d.missing).toContain(n);
        for (const w of d.widened) expect(d.added).toContain(w);
        expect(d.unchanged).toBe(!d.missing.length && !d.added.length);
      }),
      RUNS,
    );
  });

  it("allowsUnrestricted(i, T, ctx) agrees with covers('ctx/T.<letter>'); allows is implied by it", () => {
    fc.assert(
      fc.property(scopeList, fc.constantFrom(...INTERACTIONS), context, resource, (s, i, c, r) => {
        const set = parseScope(s);
        const letter = i === "create" ? "c" : (i[0] as string);
        expect(set.allowsUnrestricted(i, r, c)).toBe(set.covers(`${c}/${r}.${letter}`));
        if (set.allowsUnrestricted(i, r, c)) expect(set.allows(i, r, c)).toBe(true);
        expect(set.allows(i, r)).toBe(set.allows(i, r, ["patient", "user", "system"]));
      }),
      RUNS,
    );
  });
});
