// Size budgets: esbuild bundle, minified, brotli. The first row is this package's own code; the page rows are what
// each page of a browser app loads and runs (with @fhir-dsl/smart and its dependencies): every import() bundled
// except those a public browser client never runs (confidential client auth, introspection, revocation, fleet
// renewal, legacy discovery, SmartLaunch's in-memory launch-state store; on the launch page also id_token
// verification, as it exchanges no code). The last row bundles everything, every import() included.
// Budgets: the measured size + 2 %.
const NOT_RUN = [
  "confidential-auth",
  "introspection",
  "revocation",
  "fleet-renewal",
  "legacy-discovery",
  "launch-state",
];

/** esbuild config leaving out the import() targets (dist modules `./<name>.js`) a page never runs. */
const without = (names) => (config) => {
  const notRun = new RegExp(`/(${names.join("|")})\\.js$`);
  return {
    ...config,
    plugins: [
      ...(config.plugins ?? []),
      {
        name: "dynamic-imports-not-run",
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) =>
            args.kind === "dynamic-import" && notRun.test(args.path) ? { path: args.path, external: true } : undefined,
          );
        },
      },
    ],
  };
};

export default [
  {
    name: "@fhir-dsl/smart-browser (its own code, @fhir-dsl/smart external)",
    path: "dist/index.js",
    ignore: ["@fhir-dsl/smart", "@fhir-dsl/token-store"],
    limit: "2.77 kB",
  },
  {
    name: "browser launch page: authorize()",
    path: "dist/index.js",
    import: "{ authorize }",
    modifyEsbuildConfig: without([...NOT_RUN, "id-token"]),
    limit: "8.58 kB",
  },
  {
    name: "browser app page: ready() and signOut() (callback with openid, or resume)",
    path: "dist/index.js",
    import: "{ ready, signOut }",
    modifyEsbuildConfig: without(NOT_RUN),
    limit: "24.48 kB",
  },
  {
    name: "browser app auth, everything (every import() bundled)",
    path: "dist/index.js",
    import: "{ authorize, ready, signOut, WebStorageTokenStore, WebStorageLaunchStateStore }",
    limit: "33.0 kB",
  },
];
