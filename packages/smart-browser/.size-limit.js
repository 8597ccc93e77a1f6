// Size budgets: esbuild bundle, minified, brotli. The first row is this package's own code; the others are a
// browser app's whole auth import set (stores, authorize, ready, with @fhir-dsl/smart and its dependencies).
// "Loaded at start" leaves out what loads through import() on first use (confidential client auth,
// introspection, revocation, fleet renewal, id_token verification, legacy discovery, the default in-memory
// launch-state store).
// Budgets: the measured size + 2 %.
const APP = "{ authorize, ready, WebStorageTokenStore, WebStorageLaunchStateStore }";

/** esbuild config with every import() left out of the bundle: what is loaded before any of it is called. */
const loadedAtStart = (config) => ({
  ...config,
  plugins: [
    ...(config.plugins ?? []),
    {
      name: "dynamic-imports-external",
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) =>
          args.kind === "dynamic-import" ? { path: args.path, external: true } : undefined,
        );
      },
    },
  ],
});

export default [
  {
    name: "@fhir-dsl/smart-browser (its own code, @fhir-dsl/smart external)",
    path: "dist/index.js",
    ignore: ["@fhir-dsl/smart", "@fhir-dsl/token-store"],
    limit: "2.78 kB",
  },
  { name: "browser app auth import set, dependencies bundled", path: "dist/index.js", import: APP, limit: "32.37 kB" },
  {
    name: "browser app auth import set loaded at start",
    path: "dist/index.js",
    import: APP,
    modifyEsbuildConfig: loadedAtStart,
    limit: "25.27 kB",
  },
];
