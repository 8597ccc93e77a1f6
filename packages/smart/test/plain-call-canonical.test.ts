/**
 * The authorized fetch skips parsing a string URL only when the URL parser would return it unchanged
 * (plain-call.ts CANONICAL), so the token decision and fetch see the same URL (checklist E21; issue 22).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalHref, plainCall } from "../src/plain-call.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const pick = (...xs: string[]) => fc.constantFrom(...xs);
// pieces the URL parser rewrites mixed with pieces it keeps as they are
const scheme = pick("http", "https", "HTTP", "Https", "ftp", "file", "ws");
const label = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
  fc.stringMatching(/^[a-zA-Z0-9_~%-]{1,6}$/),
  pick("xn--a", "xn--nxasmq6b", "0x7f", "0", "00", "127", "256", "4294967295", "-", "a-", "EHR", "ß", "é"),
);
const host = fc.oneof(
  fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join(".")),
  fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300)).map((o) => o.join(".")),
  pick("127.1", "0177.0.0.1", "1.2.3.4.", "a..b", "[::1]", "user:pw@ehr.example", "ehr.example."),
);
const port = fc.oneof(
  pick("", ":", ":80", ":443", ":080", ":0", ":65535", ":65536", ":99999"),
  fc.nat(70000).map((n) => `:${n}`),
);
const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_~!$&()*+,;=:@-]{0,8}$/),
  pick(".", "..", "%2e", "%2E%2e", "a.b", "a\\b", "a b", "é", "a'b", "a|b", "a^b", "{x}", "$everything", "_history"),
);
const path = fc.array(segment, { maxLength: 5 }).map((s) => (s.length === 0 ? "" : `/${s.join("/")}`));
const query = fc.oneof(
  fc.constant(""),
  fc.stringMatching(/^[A-Za-z0-9._~!$&()*+,;=:@/?%|-]{0,12}$/).map((q) => `?${q}`),
  pick("?a=b c", "?a='b'", "?a=<b>", "?a=é", '?a="b"', "?code=http://loinc.org|1234-5"),
);
const fragment = pick("", "", "", "#", "#x");
const urlish = fc
  .tuple(scheme, pick("://", "://", ":/", ":", ":\\\\"), host, port, path, query, fragment, pick("", "", " ", "\t"))
  .map(([s, sep, h, p, pa, q, f, pad]) => `${pad}${s}${sep}${h}${p}${pa}${q}${f}`);

// mostly the parser's own form, with one doubtful piece now and then: most of these reach the fast path
const near = <T>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: usual, weight: 6 }, { arbitrary: odd, weight: 1 });
const nearCanonical = fc
  .tuple(
    near(pick("http", "https"), scheme),
    near(
      fc.oneof(
        fc.array(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), { minLength: 1, maxLength: 3 }).map((l) => l.join(".")),
        fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join(".")),
      ),
      host,
    ),
    near(
      fc.oneof(
        fc.constant(""),
        fc.integer({ min: 1, max: 65535 }).map((n) => `:${n}`),
      ),
      port,
    ),
    near(
      fc
        .array(fc.stringMatching(/^[A-Za-z0-9_~!$&()*+,;=:@-]{0,8}$/), { minLength: 1, maxLength: 4 })
        .map((s) => `/${s.join("/")}`),
      path,
    ),
    near(fc.stringMatching(/^(\?[A-Za-z0-9._~!$&()*+,;=:@/?%|-]{0,12})?$/), query),
    near(fc.constant(""), fragment),
  )
  .map(([s, h, p, pa, q, f]) => `${s}://${h}${p}${pa}${q}${f}`);

describe("canonicalHref: strings the URL parser returns unchanged skip the parse (checklist E21, issue 22)", () => {
  it("for generated URL-like strings, a string it accepts parses to itself, without credentials", () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(urlish, nearCanonical), (s) => {
        if (canonicalHref(s) === undefined) return;
        accepted++;
        const url = new URL(s);
        expect(url.href).toBe(s);
        expect(url.username + url.password).toBe("");
        expect(plainCall(s, undefined)?.url).toBe(s);
      }),
      { numRuns: RUNS * 10 },
    );
    // the generator reaches the fast path, or the property above says nothing
    expect(accepted).toBeGreaterThan(RUNS / 2);
  });

  it("strings the parser would rewrite are parsed instead, and the call sends the parser's href", () => {
    const rewritten = [
      "http://127.1/fhir",
      "http://0177.0.0.1/fhir",
      "http://0x7f.0.0.1/fhir",
      "http://EHR.example/fhir",
      "http://ehr.Example/fhir",
      "http://Ehr/fhir",
      "HTTP://ehr.example/fhir",
      "http://ehr.example:80/fhir",
      "https://ehr.example:443/fhir",
      "http://ehr.example:080/fhir",
      "http://ehr.example",
      "http://ehr.example./fhir",
      "http://ehr.example/fhir/./Patient",
      "http://ehr.example/fhir/../admin",
      "http://ehr.example/fhir/%2e%2e/admin",
      "http://ehr.example/fhir\\..\\admin",
      "http://ehr.example/fhir/Patient#x",
      "http://ehr.example/fhir/Patient?name='x'",
      "http://ehr.example/fhir/Pat ient",
      " http://ehr.example/fhir",
      "http://ehr.example/fh\tir",
      "http://xn--nxasmq6b.example/fhir",
    ];
    for (const s of rewritten) {
      expect(canonicalHref(s), s).toBeUndefined();
      expect(plainCall(s, undefined)?.url, s).toBe(new URL(s).href);
    }
    // credentials and unparseable strings still take the general path (Request throws there)
    const refused = ["http://user:pw@ehr.example/fhir", "http://user@ehr.example/fhir", "http://[/fhir", "/fhir"];
    // a label that is not valid punycode fails to parse: never taken as canonical
    for (const s of [...refused, "http://xn--a/fhir", "http://ehr.xn--a/fhir"]) {
      expect(canonicalHref(s), s).toBeUndefined();
      expect(plainCall(s, undefined), s).toBeUndefined();
    }
  });

  it("a long string is parsed, not matched (the fast path is bounded)", () => {
    const long = `https://ehr.example/fhir/${"a".repeat(5_000)}`;
    expect(canonicalHref(long)).toBeUndefined();
    expect(plainCall(long, undefined)?.url).toBe(long);
  });
});
