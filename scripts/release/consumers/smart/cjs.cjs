// @fhir-dsl/smart from CommonJS: its CJS build requires ESM-only jose/oauth4webapi (Node >= 20.19 require(esm)).
const assert = require("node:assert/strict");
const smart = require("@fhir-dsl/smart");

assert.match(require.resolve("@fhir-dsl/smart"), /\/dist\/index\.cjs$/, "require must resolve to the CJS build");
assert.equal(typeof smart.BackendServicesAuth, "function");
assert.equal(
  smart.buildScopes([smart.openid, smart.resourceScope({ context: "system", resource: "Patient", perms: "rs" })]),
  "openid system/Patient.rs",
);
console.log(`CJS: require("@fhir-dsl/smart") gives ${Object.keys(smart).length} exports`);
