// 5. Bundle sizes: esbuild (bundle, minify, ESM, browser platform, tree-shaking), brotli (quality 11) and
// gzip (level 9), for each package entry, common imports, and fhirclient built the same way in the same run.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";
import { build } from "esbuild";
import { benchDir } from "./services.mjs";

/** name, the entry source, and externals (peer dependencies stay out, as size-limit does by default). */
export const BUNDLE_CHECKS = [
  { group: "package entry", name: "@fhir-dsl/smart", source: `export * from "@fhir-dsl/smart";` },
  { group: "package entry", name: "@fhir-dsl/smart-scopes", source: `export * from "@fhir-dsl/smart-scopes";` },
  { group: "package entry", name: "@fhir-dsl/smart-pkce", source: `export * from "@fhir-dsl/smart-pkce";` },
  { group: "package entry", name: "@fhir-dsl/smart-discovery", source: `export * from "@fhir-dsl/smart-discovery";` },
  { group: "package entry", name: "@fhir-dsl/token-store", source: `export * from "@fhir-dsl/token-store";` },
  {
    group: "package entry",
    name: "@fhir-dsl/token-store-redis (ioredis external: peer)",
    source: `export * from "@fhir-dsl/token-store-redis";`,
    external: ["ioredis"],
  },
  {
    group: "package entry",
    name: "@fhir-dsl/token-store-kms (@aws-sdk/client-kms external: peer)",
    source: `export * from "@fhir-dsl/token-store-kms";`,
    external: ["@aws-sdk/client-kms"],
  },
  {
    group: "import",
    name: "{ BackendServicesAuth } from smart",
    source: `export { BackendServicesAuth } from "@fhir-dsl/smart";`,
  },
  {
    group: "import",
    name: "App Launch from smart",
    detail: "SmartLaunch, buildAuthorizeUrl, exchangeCode, SmartClient, verifyIdToken",
    source: `export { SmartLaunch, buildAuthorizeUrl, exchangeCode, SmartClient, verifyIdToken } from "@fhir-dsl/smart";`,
  },
  {
    group: "import",
    name: "App Launch from smart, loaded at start",
    detail:
      "the same imports, without what loads through import() on first use: confidential client auth, introspection, revocation",
    source: `export { SmartLaunch, buildAuthorizeUrl, exchangeCode, SmartClient, verifyIdToken } from "@fhir-dsl/smart";`,
    atStart: true,
  },
  {
    group: "import",
    name: "scopes from smart",
    detail: "buildScopes, resourceScope, parseScope",
    source: `export { buildScopes, resourceScope, parseScope } from "@fhir-dsl/smart";`,
  },
  {
    group: "import",
    name: "pkce from smart",
    detail: "createPkcePair, generateState",
    source: `export { createPkcePair, generateState } from "@fhir-dsl/smart";`,
  },
  {
    group: "import",
    name: "discovery from smart",
    detail: "discoverSmartConfiguration",
    source: `export { discoverSmartConfiguration } from "@fhir-dsl/smart";`,
  },
  {
    group: "import",
    name: "browser app auth (smart-browser)",
    detail:
      "authorize, ready, WebStorageTokenStore, WebStorageLaunchStateStore (stores + SmartLaunch + SmartClient), dependencies bundled",
    source: `export { authorize, ready, WebStorageTokenStore, WebStorageLaunchStateStore } from "@fhir-dsl/smart-browser";`,
  },
  {
    group: "import",
    name: "browser app auth (smart-browser), loaded at start",
    detail:
      "the same imports, without what loads through import() on first use (confidential auth, introspection, revocation, legacy discovery)",
    source: `export { authorize, ready, WebStorageTokenStore, WebStorageLaunchStateStore } from "@fhir-dsl/smart-browser";`,
    atStart: true,
  },
  {
    group: "reference",
    name: "fhirclient 2.6.3 (browser field: lib/entry/browser.js)",
    source: `import FHIR from "fhirclient"; export default FHIR;`,
  },
];

/** `details`: also the bundled code and its input files (for tests; kept out of the results file). */
export async function bundleSize(check, { details = false } = {}) {
  const result = await build({
    stdin: { contents: check.source, resolveDir: benchDir, loader: "js", sourcefile: "entry.mjs" },
    bundle: true,
    minify: true,
    treeShaking: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    external: check.external ?? [],
    plugins: check.atStart ? [dynamicImportsExternal] : [],
    logLevel: "silent",
    metafile: true,
  });
  const code = result.outputFiles[0].contents;
  return {
    ...check,
    minBytes: code.byteLength,
    brotliBytes: brotli(code),
    gzipBytes: gzipSync(code, { level: 9 }).byteLength,
    inputs: Object.keys(result.metafile.inputs).length,
    ...(details ? { inputFiles: Object.keys(result.metafile.inputs), code: result.outputFiles[0].text } : {}),
  };
}

/** Leaves every import() out of the bundle: what a page loads before any lazily loaded part is called. */
const dynamicImportsExternal = {
  name: "dynamic-imports-external",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) =>
      args.kind === "dynamic-import" ? { path: args.path, external: true } : undefined,
    );
  },
};

const brotli = (bytes) => brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).byteLength;

/** fhirclient's own prebuilt browser bundles, compressed as shipped (no rebuild). */
export function fhirclientPrebuilt() {
  const require = createRequire(join(benchDir, "package.json"));
  const dir = join(require.resolve("fhirclient/package.json"), "..", "build");
  return ["fhir-client.pure.min.js", "fhir-client.min.js"].map((file) => {
    const code = readFileSync(join(dir, file));
    return {
      name: `fhirclient build/${file} (prebuilt, as shipped)`,
      minBytes: code.byteLength,
      brotliBytes: brotli(code),
      gzipBytes: gzipSync(code, { level: 9 }).byteLength,
    };
  });
}

export async function measureBundles() {
  const rows = [];
  for (const check of BUNDLE_CHECKS) rows.push(await bundleSize(check));
  return { rows, prebuilt: fhirclientPrebuilt() };
}
