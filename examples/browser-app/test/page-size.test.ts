// Issue 20 (size): each page of the real two-page Vite build loads only the half of the launch it runs. Rollup /
// Rolldown chunk by module, so this holds only while the packages ship ESM one file per module and the launch
// page's module graph reaches no token request (packages/smart/src/endpoint.ts vs oauth-endpoint.ts).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pageFiles, readManifest, sizeOf, type Manifest } from "../scripts/page-files.mjs";

// brotli bytes (q11, each file on its own), measured + 5 % (December 2026: 12 233, 32 090 and 1 017 bytes)
const BUDGET = { launchPage: 12_845, appPage: 33_695, appPageLazy: 1_070 };
// the import() targets the app page runs: id_token verification, on the callback with openid
const APP_PAGE_RUNS = /^id-token$/;
// code a launch page never runs: oauth4webapi, the token request and response, SmartClient, the callback
const TOKEN_SIDE = [
  /\/node_modules\/oauth4webapi\//,
  /\/smart\/dist\/(oauth-endpoint|token-request|token-response|smart-client|launch-callback|id-token)\.js$/,
  /\/smart-browser\/dist\/app-page\.js$/,
];
// parts neither page loads at start: each its own chunk behind import()
const LAZY = ["id-token", "confidential-auth", "introspection", "revocation", "fleet-renewal", "legacy-discovery"];

let outDir: string;
let manifest: Manifest;
/** Output file → the source modules bundled into it. */
const modulesOf = new Map<string, string[]>();

/** Records which modules each output chunk holds (what the manifest does not say). */
const recordModules: Plugin = {
  name: "record-modules",
  generateBundle(_options, bundle) {
    for (const [file, chunk] of Object.entries(bundle))
      if (chunk.type === "chunk")
        modulesOf.set(
          file,
          chunk.moduleIds.map((id) => id.replaceAll("\\", "/")),
        );
  },
};

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), "browser-app-size-"));
  await build({
    configFile: fileURLToPath(new URL("../vite.config.ts", import.meta.url)),
    logLevel: "warn",
    build: { outDir, manifest: true },
    plugins: [recordModules],
  });
  manifest = readManifest(outDir);
});
afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

const modulesIn = (files: string[]) => files.flatMap((file) => modulesOf.get(file) ?? []);
const code = (files: string[]) => files.map((file) => readFileSync(join(outDir, file), "utf8")).join("\n");

describe("the Vite build of examples/browser-app, per page (issue 20, size)", () => {
  it("the launch page loads no oauth4webapi, token request, SmartClient or callback code", () => {
    const { start, lazy } = pageFiles(manifest, "launch.html");
    expect(lazy).toEqual([]);
    const modules = modulesIn(start);
    expect(modules.some((id) => id.endsWith("/smart-browser/dist/launch-page.js"))).toBe(true);
    expect(modules.some((id) => id.endsWith("/smart/dist/launch-start.js"))).toBe(true);
    expect(modules.filter((id) => TOKEN_SIDE.some((pattern) => pattern.test(id)))).toEqual([]);
    // oauth4webapi's name is in its user agent string: none of its code is minified into these files
    expect(code(start)).not.toContain("oauth4webapi");
  });

  it("the app page loads the callback, SmartClient and oauth4webapi at start, id_token verification on first use", () => {
    const { start, lazy } = pageFiles(manifest, "index.html", APP_PAGE_RUNS);
    const modules = modulesIn(start);
    for (const pattern of TOKEN_SIDE.slice(0, 2))
      expect(modules.some((id) => pattern.test(id) && !id.endsWith("/id-token.js"))).toBe(true);
    expect(code(start)).toContain("oauth4webapi");
    expect(modulesIn(lazy).some((id) => id.endsWith("/smart/dist/id-token.js"))).toBe(true);
    expect(modules.some((id) => id.endsWith("/smart/dist/id-token.js"))).toBe(false);
    // no discovery: SmartClient reads the FHIR base a configuration came from (discovered-from.ts), never fetches one
    expect(modules.filter((id) => /\/smart-discovery\/dist\/(discover|fetch-json|validate)\.js$/.test(id))).toEqual([]);
    expect(code(start)).not.toContain(".well-known/smart-configuration");
  });

  it("the lazily loaded parts are chunks of their own, loaded at start by neither page", () => {
    const start = new Set(["launch.html", "index.html"].flatMap((html) => pageFiles(manifest, html).start));
    const startModules = modulesIn([...start]);
    for (const name of LAZY) {
      const chunk = Object.values(manifest).find((c) => c.src?.match(new RegExp(`/dist/${name}\\.js$`)));
      expect(chunk?.file, name).toBeDefined();
      expect(start.has(chunk!.file), name).toBe(false);
      expect(
        startModules.filter((id) => id.endsWith(`/dist/${name}.js`)),
        name,
      ).toEqual([]);
    }
  });

  it("each page's JS is within its budget (brotli, measured + 5 %)", () => {
    const launch = pageFiles(manifest, "launch.html");
    const app = pageFiles(manifest, "index.html", APP_PAGE_RUNS);
    const sizes = {
      launchPage: sizeOf(outDir, launch.start).brotliBytes,
      appPage: sizeOf(outDir, app.start).brotliBytes,
      appPageLazy: sizeOf(outDir, app.lazy).brotliBytes,
    };
    expect(sizes.launchPage).toBeLessThanOrEqual(BUDGET.launchPage);
    expect(sizes.appPage).toBeLessThanOrEqual(BUDGET.appPage);
    expect(sizes.appPageLazy).toBeLessThanOrEqual(BUDGET.appPageLazy);
    // the split is real: the launch page carries well under half of what the app page does
    expect(sizes.launchPage).toBeLessThan(sizes.appPage / 2);
  });
});
