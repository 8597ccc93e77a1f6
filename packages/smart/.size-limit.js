// Size budgets: esbuild bundle, dependencies included, minified, brotli. The "loaded at start" row leaves out
// what the package loads through import() on first use (confidential client authentication, introspection,
// revocation, fleet renewal under a shared lock, SmartLaunch's default launch-state store, id_token verification,
// legacy discovery): a browser bundler splits it into chunks fetched only when called (a public client never
// calls the confidential parts; id_token verification is fetched alongside the code exchange).
// The other rows bundle without code splitting, the worst case: the lazily loaded parts are included, and
// esbuild wraps their modules for lazy start-up (about 1 kB more than the same code imported statically).
// Budgets: the measured size + 2 %.
const APP_LAUNCH = "{ SmartLaunch, SmartClient, buildAuthorizeUrl, exchangeCode }";

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
  { name: "@fhir-dsl/smart (whole entry, dependencies bundled)", path: "dist/index.js", limit: "34.11 kB" },
  { name: "BackendServicesAuth alone", path: "dist/index.js", import: "{ BackendServicesAuth }", limit: "24.0 kB" },
  {
    name: "App Launch (SmartLaunch, SmartClient, buildAuthorizeUrl, exchangeCode)",
    path: "dist/index.js",
    import: APP_LAUNCH,
    limit: "31.03 kB",
  },
  {
    name: "App Launch loaded at start (browser public client: confidential auth, introspection, revocation on first use)",
    path: "dist/index.js",
    import: APP_LAUNCH,
    modifyEsbuildConfig: loadedAtStart,
    limit: "23.14 kB",
  },
  {
    name: "startLaunch alone (a launch page: allow-list, discovery, PKCE, authorize request; import() left out)",
    path: "dist/index.js",
    import: "{ startLaunch }",
    modifyEsbuildConfig: loadedAtStart,
    limit: "7.04 kB",
  },
  {
    name: "scope builders alone",
    path: "dist/index.js",
    import: "{ buildScopes, resourceScope, parseScope }",
    limit: "3.26 kB",
  },
];
