// Issue 20 item 6: a browser app's start bundle leaves out what @fhir-dsl/smart loads through import() on first
// use. Checked on the built package as a bundler sees it (dist, esbuild), so a static import slipping back fails.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUNDLE_CHECKS, bundleSize } from "../src/bundles.mjs";
import { benchDir } from "../src/services.mjs";

const LAZY = ["confidential-auth", "introspection", "revocation", "fleet-renewal"];
// a message each lazily loaded part holds, and nothing else does
const MARKERS = [
  "assertionLifetimeSeconds must be in",
  "Introspection endpoint",
  "Revocation endpoint",
  "Another process held the refresh lock",
  "the client assertion carried no kid",
];
const lazyIn = (files) => LAZY.filter((name) => files.some((file) => file.endsWith(`/dist/${name}.js`)));
const check = (name) => BUNDLE_CHECKS.find((c) => c.name === name);
const LAUNCH_PAGE = "browser launch page: authorize()";
const APP_PAGE = "browser app page: ready() (callback with openid, or resume)";
const PAGES = [LAUNCH_PAGE, APP_PAGE];
const EVERYTHING = "browser app auth (smart-browser), everything";

/** The ESM dist of `pkg` (one file per module): file name → code. */
function distFiles(pkg) {
  const dist = dirname(createRequire(join(benchDir, "package.json")).resolve(pkg));
  return new Map(
    readdirSync(dist)
      .filter((file) => file.endsWith(".js"))
      .map((file) => [file, readFileSync(join(dist, file), "utf8")]),
  );
}
/** The dist files that load `./<name>.js` through import(), and those that import it statically. */
function importersOf(files, name) {
  const dynamic = [];
  const staticly = [];
  for (const [file, code] of files) {
    if (new RegExp(`import\\(["']\\./${name}\\.js["']\\)`).test(code)) dynamic.push(file);
    if (new RegExp(`from ["']\\./${name}\\.js["']`).test(code)) staticly.push(file);
  }
  return { dynamic, staticly };
}

describe("App Launch bundle loaded at start (issue 20 item 6)", () => {
  it("the ESM build emits each lazily loaded part as its own module behind import(), imported statically only where the test names why", () => {
    const files = distFiles("@fhir-dsl/smart");
    // static importers allowed: the entry, for the public exports it re-exports (introspectToken, revokeToken; a
    // bundler drops them unused), Backend Services, which always authenticates (no import() in its bundle), and
    // revocation, itself loaded lazily, which shares introspection's endpoint call
    const STATIC = {
      "confidential-auth": ["backend-services.js"],
      introspection: ["index.js", "revocation.js"],
      revocation: ["index.js"],
    };
    for (const name of LAZY) {
      expect(files.has(`${name}.js`)).toBe(true);
      const { dynamic, staticly } = importersOf(files, name);
      expect(dynamic.length).toBeGreaterThan(0);
      expect(staticly).toEqual(STATIC[name] ?? []);
    }
  });

  it("holds none of them (fleet renewal: only a shared locking store needs it), while the same imports bundled whole hold all four", async () => {
    const atStart = await bundleSize(check("App Launch from smart, loaded at start"), { details: true });
    const whole = await bundleSize(check("App Launch from smart"), { details: true });
    expect(lazyIn(atStart.inputFiles)).toEqual([]);
    expect(lazyIn(whole.inputFiles)).toEqual(LAZY);
    expect(MARKERS.filter((marker) => atStart.code.includes(marker))).toEqual([]);
    expect(MARKERS.filter((marker) => whole.code.includes(marker))).toEqual(MARKERS);
    expect(atStart.brotliBytes).toBeLessThan(whole.brotliBytes);
  });

  it("importing discovery alone from the entry leaves the token machinery out (no module-load side effect keeps it)", async () => {
    const discovery = await bundleSize(check("discovery from smart"), { details: true });
    expect(discovery.code).not.toContain("Another process held the refresh lock");
    expect(discovery.code).not.toContain("Token store ");
  });
});

describe("legacy discovery loads only after a 404 (issue 20 item 6)", () => {
  // a message only the CapabilityStatement fallback holds
  const LEGACY_MARKER = "legacy discovery trusts only the base's own CapabilityStatement";
  const legacyIn = (files) => files.filter((file) => file.endsWith("/dist/legacy-discovery.js"));

  it("the smart-discovery ESM build emits it as its own module behind import(), which no module imports statically", () => {
    const files = distFiles("@fhir-dsl/smart-discovery");
    expect(importersOf(files, "legacy-discovery")).toEqual({ dynamic: ["discover.js"], staticly: [] });
    expect([...files].filter(([, code]) => code.includes(LEGACY_MARKER)).map(([file]) => file)).toEqual([
      "legacy-discovery.js",
    ]);
  });

  it("the browser pages leave it out; the browser bundle with everything holds it", async () => {
    const whole = await bundleSize(check(EVERYTHING), { details: true });
    for (const page of PAGES) {
      const bundle = await bundleSize(check(page), { details: true });
      expect(legacyIn(bundle.inputFiles)).toEqual([]);
      expect(bundle.code).not.toContain(LEGACY_MARKER);
    }
    expect(legacyIn(whole.inputFiles)).toHaveLength(1);
    expect(whole.code).toContain(LEGACY_MARKER);
  });
});

describe("SmartLaunch's default in-memory launch-state store loads on first use (issue 20 item 6)", () => {
  const MEMORY_STORE_MARKER = "The launch state store is full";

  it("a browser app, which gives its own store, holds it nowhere, not even bundled whole; SmartLaunch's imports hold it", async () => {
    for (const row of [...PAGES, EVERYTHING])
      expect((await bundleSize(check(row), { details: true })).code).not.toContain(MEMORY_STORE_MARKER);
    expect((await bundleSize(check("App Launch from smart"), { details: true })).code).toContain(MEMORY_STORE_MARKER);
  });
});

describe("id_token verification loads on first use (issue 20 item 6)", () => {
  // a message only id_token verification holds
  const ID_TOKEN_MARKER = "is too far in the past";
  const idTokenIn = (files) => files.filter((file) => file.endsWith("/dist/id-token.js"));

  it("the smart ESM build loads it behind import()", () => {
    const files = distFiles("@fhir-dsl/smart");
    // the entry also exports verifyIdToken, so it imports the module statically: a bundler drops it when unused
    expect(importersOf(files, "id-token")).toEqual({ dynamic: ["id-token-loader.js"], staticly: ["index.js"] });
    expect([...files].filter(([, code]) => code.includes(ID_TOKEN_MARKER)).map(([file]) => file)).toEqual([
      "id-token.js",
    ]);
  });

  it("the launch page leaves it out; the app page, whose callback with openid verifies the id_token, holds it", async () => {
    const launchPage = await bundleSize(check(LAUNCH_PAGE), { details: true });
    const appPage = await bundleSize(check(APP_PAGE), { details: true });
    expect(idTokenIn(launchPage.inputFiles)).toEqual([]);
    expect(launchPage.code).not.toContain(ID_TOKEN_MARKER);
    expect(idTokenIn(appPage.inputFiles)).toHaveLength(1);
    expect(appPage.code).toContain(ID_TOKEN_MARKER);
  });
});

describe("a browser app's pages each bundle only the half of the launch they run (issue 20, size)", () => {
  // messages (and oauth4webapi's name, in its user agent) that only one half holds
  const START = [
    "The FHIR server is not on the allow-list of trusted issuers",
    "codeChallengeS256: pass a code verifier",
  ];
  const DISCOVERY = ".well-known/smart-configuration";
  const CALLBACK = ["The authorization redirect's state", "The refresh token was refused before", "oauth4webapi"];
  const holds = (code, markers) => markers.filter((marker) => code.includes(marker));

  it("the launch page: discovery, PKCE and the authorize request, no code exchange, SmartClient or oauth4webapi", async () => {
    const { code } = await bundleSize(check(LAUNCH_PAGE), { details: true });
    expect(holds(code, [...START, DISCOVERY])).toEqual([...START, DISCOVERY]);
    expect(holds(code, CALLBACK)).toEqual([]);
  });

  it("the app page: the callback and SmartClient, no discovery, allow-list or PKCE", async () => {
    const { code } = await bundleSize(check(APP_PAGE), { details: true });
    expect(holds(code, CALLBACK)).toEqual(CALLBACK);
    expect(holds(code, [...START, DISCOVERY])).toEqual([]);
  });

  it("signOut alone: neither half of the launch, no discovery, PKCE or oauth4webapi", async () => {
    const { code } = await bundleSize(
      { name: "signOut", source: `export { signOut } from "@fhir-dsl/smart-browser";` },
      { details: true },
    );
    expect(holds(code, [...START, DISCOVERY, ...CALLBACK])).toEqual([]);
  });

  it("each page is smaller than the bundle with everything, and the rows name what they leave out", async () => {
    const whole = await bundleSize(check(EVERYTHING));
    for (const page of PAGES) {
      expect((await bundleSize(check(page))).brotliBytes).toBeLessThan(whole.brotliBytes);
      expect(check(page).detail).toMatch(
        /confidential client auth.*introspection.*revocation.*fleet renewal.*legacy discovery/,
      );
    }
    expect(check(LAUNCH_PAGE).detail).toContain("id_token verification");
  });
});
