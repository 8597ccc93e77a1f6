// Seed README "Scope Builders", as a CommonJS (require) user of @fhir-dsl/smart-scopes alone.
const assert = require("node:assert/strict");
const { buildScopes, fhirUser, offlineAccess, openid, parseScope, resourceScope } = require("@fhir-dsl/smart-scopes");

assert.match(require.resolve("@fhir-dsl/smart-scopes"), /\/dist\/index\.cjs$/, "require must resolve to the CJS build");

const scope = buildScopes([
  openid,
  fhirUser,
  offlineAccess,
  "launch/patient",
  resourceScope({ context: "patient", resource: "Observation", perms: ["r", "s"] }),
  resourceScope({ context: "patient", resource: "Condition", perms: "*" }),
]);
assert.equal(scope, "openid fhirUser offline_access launch/patient patient/Observation.rs patient/Condition.cruds");
assert.equal(parseScope(scope).allows("search", "Condition", "patient"), true);
console.log(`CJS: ${JSON.stringify(scope)}`);
