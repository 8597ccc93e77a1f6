// @fhir-dsl/smart-discovery alone, CommonJS (require).
const assert = require("node:assert/strict");
const { DiscoveryError, discoverSmartConfiguration } = require("@fhir-dsl/smart-discovery");

assert.match(
  require.resolve("@fhir-dsl/smart-discovery"),
  /\/dist\/index\.cjs$/,
  "require must resolve to the CJS build",
);

(async () => {
  const { startWellKnownServer } = await import("./server.mjs");
  const server = await startWellKnownServer();
  try {
    const config = await discoverSmartConfiguration(server.base);
    assert.equal(config.token_endpoint, server.base.replace("/r4", "/auth/token"));
    const missing = await discoverSmartConfiguration(`${server.base}/missing`).catch((e) => e);
    assert.ok(missing instanceof DiscoveryError && DiscoveryError.is(missing));
    console.log(`CJS: token_endpoint ${config.token_endpoint}`);
  } finally {
    await server.close();
  }
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
