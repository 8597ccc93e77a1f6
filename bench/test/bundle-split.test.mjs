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
const lazyIn = (files) =>
  LAZY.filter((name) => files.some((file) => new RegExp(`/${name}-[A-Z0-9]+\\.js$`).test(file)));
const check = (name) => BUNDLE_CHECKS.find((c) => c.name === name);

describe("App Launch bundle loaded at start (issue 20 item 6)", () => {
  it("the ESM build emits each lazily loaded part as its own chunk behind import()", () => {
    const dist = dirname(createRequire(join(benchDir, "package.json")).resolve("@fhir-dsl/smart"));
    const code = readdirSync(dist)
      .filter((file) => file.endsWith(".js"))
      .map((file) => readFileSync(join(dist, file), "utf8"))
      .join("\n");
    for (const name of LAZY) expect(code).toMatch(new RegExp(`import\\(["']\\./${name}-[A-Z0-9]+\\.js["']\\)`));
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
  const legacyIn = (files) => files.filter((file) => /\/legacy-discovery-[A-Z0-9]+\.js$/.test(file));

  it("the smart-discovery ESM build emits it as its own chunk behind import()", () => {
    const dist = dirname(createRequire(join(benchDir, "package.json")).resolve("@fhir-dsl/smart-discovery"));
    const index = readFileSync(join(dist, "index.js"), "utf8");
    expect(index).toMatch(/import\(["']\.\/legacy-discovery-[A-Z0-9]+\.js["']\)/);
    expect(index).not.toContain(LEGACY_MARKER);
  });

  it("the browser app's start bundle leaves it out; bundled whole it is there", async () => {
    const atStart = await bundleSize(check("browser app auth (smart-browser), loaded at start"), { details: true });
    const whole = await bundleSize(check("browser app auth (smart-browser)"), { details: true });
    expect(legacyIn(atStart.inputFiles)).toEqual([]);
    expect(atStart.code).not.toContain(LEGACY_MARKER);
    expect(legacyIn(whole.inputFiles)).toHaveLength(1);
    expect(whole.code).toContain(LEGACY_MARKER);
  });
});

describe("SmartLaunch's default in-memory launch-state store loads on first use (issue 20 item 6)", () => {
  const MEMORY_STORE_MARKER = "The launch state store is full";

  it("a browser app, which gives its own store, leaves it out of its start bundle; bundled whole it is there", async () => {
    const atStart = await bundleSize(check("browser app auth (smart-browser), loaded at start"), { details: true });
    const whole = await bundleSize(check("browser app auth (smart-browser)"), { details: true });
    expect(atStart.code).not.toContain(MEMORY_STORE_MARKER);
    expect(whole.code).toContain(MEMORY_STORE_MARKER);
  });
});

describe("id_token verification loads on first use (issue 20 item 6)", () => {
  // a message only id_token verification holds
  const ID_TOKEN_MARKER = "is too far in the past";
  const idTokenIn = (files) => files.filter((file) => /\/id-token-[A-Z0-9]+\.js$/.test(file));

  it("the smart ESM build loads it behind import()", () => {
    const dist = dirname(createRequire(join(benchDir, "package.json")).resolve("@fhir-dsl/smart"));
    // the entry also exports verifyIdToken, so its code sits in a shared chunk the entry imports: a bundler drops it when unused
    const index = readFileSync(join(dist, "index.js"), "utf8");
    expect(index).toMatch(/import\(["']\.\/id-token-[A-Z0-9]+\.js["']\)/);
    expect(index).not.toContain(ID_TOKEN_MARKER);
  });

  it("the browser app's start bundle leaves it out (with a third of oauth4webapi); bundled whole it is there", async () => {
    const atStart = await bundleSize(check("browser app auth (smart-browser), loaded at start"), { details: true });
    const whole = await bundleSize(check("browser app auth (smart-browser)"), { details: true });
    expect(idTokenIn(atStart.inputFiles)).toEqual([]);
    expect(atStart.code).not.toContain(ID_TOKEN_MARKER);
    expect(idTokenIn(whole.inputFiles)).toHaveLength(1);
    expect(whole.code).toContain(ID_TOKEN_MARKER);
  });
});
