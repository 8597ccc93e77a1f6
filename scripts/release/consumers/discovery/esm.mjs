// @fhir-dsl/smart-discovery alone, ESM: the seed README "Discovery" against a local server.
import assert from "node:assert/strict";
import { DiscoveryError, capabilitySets, discoverSmartConfiguration, hasCapability } from "@fhir-dsl/smart-discovery";
import { startWellKnownServer } from "./server.mjs";

assert.match(
  import.meta.resolve("@fhir-dsl/smart-discovery"),
  /\/dist\/node\/index\.js$/,
  "import must resolve to the ESM build for Node (export condition node)",
);

const server = await startWellKnownServer();
try {
  const config = await discoverSmartConfiguration(server.base);
  assert.equal(config.token_endpoint, server.base.replace("/r4", "/auth/token"));
  assert.equal(config.authorization_endpoint, server.base.replace("/r4", "/auth/authorize"));
  assert.ok(config.capabilities.includes("launch-standalone"));
  assert.equal(hasCapability(config, "client-public"), true);
  assert.ok(capabilitySets(config).includes("patient-access-standalone"));

  // "Throws DiscoveryError if the well-known document is missing or malformed."
  const missing = await discoverSmartConfiguration(server.base.replace("/r4", "/nope")).catch((e) => e);
  assert.ok(missing instanceof DiscoveryError, `expected DiscoveryError, got ${missing}`);
  assert.equal(missing.status, 404);
  console.log(`ESM: token_endpoint ${config.token_endpoint}; missing document -> ${missing.code}`);
} finally {
  await server.close();
}
