/**
 * Issue 15 §1: the one URL policy (url-policy.ts). Each rule is checked as a class: generated variants,
 * not the one string of the report.
 */
import { describe, expect, it } from "vitest";
import {
  DiscoveryError,
  DiscoveryErrorCode,
  MAX_URL_LENGTH,
  discoverSmartConfiguration,
  hasAmbiguousPath,
  isLoopbackHost,
  isPlainHttpRefused,
  isTransportAllowed,
  isUnderFhirBase,
  normaliseBaseUrl,
  parseFhirBase,
  smartConfigurationUrl,
  trimLeadingSlashes,
  trimTrailingSlashes,
} from "../src/index.js";

/** Milliseconds of `run`: the smaller of wall-clock and CPU time (a shared CI machine also makes the wall clock wait for a core). */
function ms(run: () => void): number {
  const cpu = process.cpuUsage();
  const start = performance.now();
  run();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return Math.min(wall, (used.user + used.system) / 1000);
}

describe("trims are linear (issue 15: a `/+$` replace on 16 KB of slashes blocked the event loop ~0.3 s)", () => {
  it("trimTrailingSlashes / trimLeadingSlashes", () => {
    expect(trimTrailingSlashes("https://h/fhir///")).toBe("https://h/fhir");
    expect(trimTrailingSlashes("///")).toBe("");
    expect(trimTrailingSlashes("a/b")).toBe("a/b");
    expect(trimLeadingSlashes("//Patient/1")).toBe("Patient/1");
    // the `/\/+$/` replace took ~0.3 s on 16 KiB and seconds on 64 KiB
    for (const n of [16_384, 65_536]) {
      const hostile = `${"/".repeat(n)}x`;
      expect(
        ms(() => {
          expect(trimTrailingSlashes(hostile)).toBe(hostile);
          expect(trimTrailingSlashes(`${hostile}${"/".repeat(n)}`)).toBe(hostile);
        }),
        `${n} slashes`,
      ).toBeLessThan(50);
    }
  });

  it("normaliseBaseUrl, parseFhirBase and smartConfigurationUrl on an `iss` of slashes answer at once", () => {
    const iss = `https://ehr.example.com/${"/".repeat(8_000)}x`;
    const elapsed = ms(() => {
      expect(normaliseBaseUrl(iss)).toBe(`https://ehr.example.com/${"/".repeat(8_000)}x`);
      expect(parseFhirBase(iss)?.path).toBe(`/${"/".repeat(8_000)}x`);
      expect(smartConfigurationUrl(iss)).toContain("x/.well-known");
    });
    expect(elapsed).toBeLessThan(30);
  });
});

describe("length cap: MAX_URL_LENGTH (8 KiB) before any other step (issue 15)", () => {
  it("normaliseBaseUrl and parseFhirBase refuse longer values; discovery throws discovery_url_too_long without a request", async () => {
    const long = `https://ehr.example.com/${"a".repeat(MAX_URL_LENGTH)}`;
    const atCap = `https://ehr.example.com/${"a".repeat(MAX_URL_LENGTH - 24)}`;
    expect(atCap.length).toBe(MAX_URL_LENGTH);
    expect(normaliseBaseUrl(atCap)).toBe(atCap);
    expect(normaliseBaseUrl(long)).toBeUndefined();
    expect(parseFhirBase(long)).toBeUndefined();
    let requests = 0;
    const fetch = (async () => {
      requests++;
      return new Response("{}");
    }) as typeof globalThis.fetch;
    const error = await discoverSmartConfiguration(long, { fetch, cache: false }).catch((e: unknown) => e);
    expect(DiscoveryError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: DiscoveryErrorCode.UrlTooLong });
    expect((error as DiscoveryError).url.length).toBeLessThan(100);
    expect(requests).toBe(0);
    const withCredentials = await discoverSmartConfiguration(
      `https://user:${"s".repeat(MAX_URL_LENGTH)}@ehr.example.com/fhir`,
      { fetch },
    ).catch((e: unknown) => e);
    expect(JSON.stringify(withCredentials)).not.toContain("sssssss");
  });
});

describe("one loopback rule, one plain-http rule (checklist 2.1)", () => {
  it("isLoopbackHost: localhost, [::1], all of 127.0.0.0/8 as the URL parser writes them; nothing else", () => {
    for (const url of [
      "http://localhost:1/",
      "http://LOCALHOST/",
      "http://[::1]:8080/",
      "http://127.0.0.1/",
      "http://127.255.0.9/",
      "http://127.1/",
      "http://2130706433/",
    ]) {
      expect(isLoopbackHost(new URL(url).hostname), url).toBe(true);
    }
    for (const url of [
      "http://127.0.0.1.evil.test/",
      "http://127.evil.test/",
      "http://localhost.evil.test/",
      "http://128.0.0.1/",
      "http://[::2]/",
      "http://evil.test/",
      "http://10.0.0.1/",
      "http://localhost./",
    ]) {
      expect(isLoopbackHost(new URL(url).hostname), url).toBe(false);
    }
  });

  it("isTransportAllowed / isPlainHttpRefused: https always, http to loopback or opted in, other schemes never", () => {
    const allowed = (url: string, allow?: boolean) => isTransportAllowed(new URL(url), allow);
    expect(allowed("https://ehr.example.com/")).toBe(true);
    expect(allowed("http://127.0.0.1:9/")).toBe(true);
    expect(allowed("http://ehr.example.com/")).toBe(false);
    expect(allowed("http://ehr.example.com/", true)).toBe(true);
    expect(allowed("ftp://ehr.example.com/", true)).toBe(false);
    expect(allowed("javascript:alert(1)", true)).toBe(false);
    expect(isPlainHttpRefused(new URL("http://ehr.example.com/"))).toBe(true);
    expect(isPlainHttpRefused(new URL("http://[::1]/"))).toBe(false);
    expect(isPlainHttpRefused(new URL("ftp://ehr.example.com/"))).toBe(false); // not http: refused by the scheme check instead
  });
});

describe("under the base: dot segments beside path parameters and encoded separators are never under it (issue 15)", () => {
  const base = "https://ehr.example.com/r4";
  // Tomcat and Jetty strip `;params` before resolving `..`; proxies may decode %2e, %2f, %5c first
  const stems = ["..", "."];
  const params = [";", ";x", ";a=b", ";jsessionid=1", "%3b", "%3Bx"];
  const encoded = ["%2e%2e", "%2E%2E", ".%2e", "%2e.", "%2e", "..%2f", "..%2F", "..%5c", "%5C", "%2f"];

  it("refuses every `<stem><param>` segment and every encoded separator, anywhere after the base", () => {
    const tricks = [
      ...stems.flatMap((s) => params.map((p) => s + p)),
      ...encoded.map((e) => `${e};`),
      ...encoded.filter((e) => e.includes("%2f") || e.includes("%2F") || e.includes("5c") || e.includes("5C")),
    ];
    let checked = 0;
    for (const trick of tricks) {
      for (const url of [
        `${base}/${trick}/admin`,
        `${base}/Patient/${trick}`,
        `${base}/a/b/${trick}/${trick}/${trick}/x`,
        `${base}/${trick}`,
      ]) {
        expect(isUnderFhirBase(url, base), url).toBe(false);
        expect(hasAmbiguousPath(new URL(url).pathname), url).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("accepts names that merely contain dots or parameters, and the base itself in any spelling", () => {
    for (const url of [
      base,
      `${base}/`,
      "HTTPS://EHR.EXAMPLE.COM:443/r4/Patient",
      `${base}/...`,
      `${base}/..a`,
      `${base}/a..;x`,
      `${base}/Binary/report.pdf`,
      `${base}/Patient;v=1/1`,
      `${base}/Observation?code=..%2F..%2F`,
      `${base}/Patient#../../x`,
    ]) {
      expect(isUnderFhirBase(url, base), url).toBe(true);
    }
  });

  it("refuses other origins, sibling paths, unparseable input; a root base takes any path of its origin", () => {
    for (const url of [
      `${base}x/Patient`,
      "https://ehr.example.com/",
      "http://ehr.example.com/r4",
      "https://ehr.example.com.evil.test/r4",
      "not a url",
      "",
    ]) {
      expect(isUnderFhirBase(url, base), url).toBe(false);
    }
    expect(isUnderFhirBase("https://ehr.example.com/anything", "https://ehr.example.com/")).toBe(true);
    expect(isUnderFhirBase("https://ehr.example.com/a", "not a base")).toBe(false);
  });
});
