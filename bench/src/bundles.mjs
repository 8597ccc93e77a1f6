// 5. Bundle sizes: esbuild (bundle, minify, ESM, browser platform, tree-shaking), brotli (quality 11) and
// gzip (level 9), for each package entry, common imports, and fhirclient built the same way in the same run.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";
import { build } from "esbuild";
import { pageFiles, readManifest } from "../../examples/browser-app/scripts/page-files.mjs";
import { benchDir, repoRoot } from "./services.mjs";

// What a public browser client never runs through import(): each part left out of a page row, with the reason.
const BROWSER_NOT_RUN = [
  "confidential-auth",
  "introspection",
  "revocation",
  "fleet-renewal",
  "legacy-discovery",
  "launch-state",
];
const NOT_RUN_BY_A_BROWSER =
  "left out, as a public browser client never runs them: confidential client auth (a page keeps no secret or key), " +
  "introspection (a resource server's call), revocation (only signOut with revoke: true, on a click, loads it), " +
  "fleet renewal (only a shared locking token store, web storage is none), legacy discovery (only after a 404 " +
  "on .well-known/smart-configuration), SmartLaunch's in-memory launch-state store (the page brings its own)";
const LAUNCH_PAGE_NOT_RUN = ["id-token"];
const NOT_RUN_ON_THE_LAUNCH_PAGE = "and id_token verification (the launch page exchanges no code)";

/**
 * name, the entry source, externals (peer dependencies stay out, as size-limit does by default), and what the row
 * leaves out: `atStart` every import(), `notRun` the import() targets named there (all others are bundled).
 */
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
    name: "browser launch page: authorize()",
    detail: `${NOT_RUN_BY_A_BROWSER}; ${NOT_RUN_ON_THE_LAUNCH_PAGE}`,
    source: `export { authorize } from "@fhir-dsl/smart-browser";`,
    notRun: [...BROWSER_NOT_RUN, ...LAUNCH_PAGE_NOT_RUN],
  },
  {
    group: "import",
    name: "browser app page: ready() (callback with openid, or resume)",
    detail: `with signOut and id_token verification; ${NOT_RUN_BY_A_BROWSER}`,
    source: `export { ready, signOut } from "@fhir-dsl/smart-browser";`,
    notRun: BROWSER_NOT_RUN,
  },
  {
    group: "import",
    name: "browser app auth (smart-browser), everything",
    detail:
      "authorize, ready, signOut, WebStorageTokenStore, WebStorageLaunchStateStore, every import() bundled: more than any one page loads",
    source: `export { authorize, ready, signOut, WebStorageTokenStore, WebStorageLaunchStateStore } from "@fhir-dsl/smart-browser";`,
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
    plugins: check.atStart ? [dynamicImportsExternal] : check.notRun ? [dynamicImportsNotRun(check.notRun)] : [],
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
    ...(details ? { inputFiles: filesInBundle(result.metafile), code: result.outputFiles[0].text } : {}),
  };
}

/** The input files that put code in the bundle (a module a barrel re-exports but nothing uses is read, not bundled). */
const filesInBundle = (metafile) =>
  Object.entries(Object.values(metafile.outputs)[0].inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([file]) => file);

/** Leaves every import() out of the bundle: what a page loads before any lazily loaded part is called. */
const dynamicImportsExternal = {
  name: "dynamic-imports-external",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) =>
      args.kind === "dynamic-import" ? { path: args.path, external: true } : undefined,
    );
  },
};

/** Leaves out the import() targets named in `names` (a dist module `./<name>.js`): the parts a page never runs. */
const dynamicImportsNotRun = (names) => {
  const notRun = new RegExp(`/(${names.join("|")})\\.js$`);
  return {
    name: "dynamic-imports-not-run",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) =>
        args.kind === "dynamic-import" && notRun.test(args.path) ? { path: args.path, external: true } : undefined,
      );
    },
  };
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

/**
 * The real two-page build of examples/browser-app (Vite, Rollup-compatible chunking by module), per page: the JS
 * files a page loads at start (its entry chunk and static imports, from the build manifest), plus the lazily
 * loaded chunks it runs; each file compressed on its own, as a server sends it. Beside the esbuild page rows,
 * which bundle each page into one file.
 */
export function measureVitePages() {
  const app = join(repoRoot, "examples", "browser-app");
  const vitePackage = createRequire(join(app, "package.json")).resolve("vite/package.json");
  const { version, bin } = JSON.parse(readFileSync(vitePackage, "utf8"));
  const outDir = mkdtempSync(join(tmpdir(), "bench-vite-pages-"));
  try {
    execFileSync(
      process.execPath,
      [join(dirname(vitePackage), bin.vite), "build", "--manifest", "--outDir", outDir, "--logLevel", "warn"],
      { cwd: app, stdio: ["ignore", "ignore", "inherit"] },
    );
    const manifest = readManifest(outDir);
    const row = (name, files) => {
      const code = files.map((file) => readFileSync(join(outDir, file)));
      const sum = (f) => code.reduce((total, bytes) => total + f(bytes), 0);
      return {
        group: "vite",
        name,
        files: files.length,
        minBytes: sum((bytes) => bytes.byteLength),
        gzipBytes: sum((bytes) => gzipSync(bytes, { level: 9 }).byteLength),
        brotliBytes: sum(brotli),
      };
    };
    const launch = pageFiles(manifest, "launch.html");
    const index = pageFiles(manifest, "index.html", /^id-token$/);
    const vite = `Vite ${version} build of examples/browser-app`;
    return [
      row(`${vite}, launch.html at start (${launch.start.length} files, the app's own code included)`, launch.start),
      row(`${vite}, index.html at start (${index.start.length} files, the app's own code included)`, index.start),
      row(`${vite}, index.html on first use: id_token verification (${index.lazy.length} file)`, index.lazy),
    ];
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

export async function measureBundles() {
  const rows = [];
  for (const check of BUNDLE_CHECKS) rows.push(await bundleSize(check));
  rows.push(...measureVitePages());
  return { rows, prebuilt: fhirclientPrebuilt() };
}
