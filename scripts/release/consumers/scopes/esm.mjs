// Seed README "Scope Builders", as an ESM user of @fhir-dsl/smart-scopes alone.
import assert from "node:assert/strict";
import { buildScopes, fhirUser, offlineAccess, openid, parseScope, resourceScope } from "@fhir-dsl/smart-scopes";

assert.match(
  import.meta.resolve("@fhir-dsl/smart-scopes"),
  /\/dist\/node\/index\.js$/,
  "import must resolve to the ESM build for Node (export condition node)",
);

const scope = buildScopes([
  openid,
  fhirUser,
  offlineAccess,
  "launch/patient",
  resourceScope({ context: "patient", resource: "Observation", perms: ["r", "s"] }),
  resourceScope({ context: "patient", resource: "Condition", perms: "*" }),
]);
assert.equal(scope, "openid fhirUser offline_access launch/patient patient/Observation.rs patient/Condition.cruds");

// "parseScope goes the other way"
const granted = parseScope(scope);
assert.equal(granted.allows("read", "Observation", "patient"), true);
assert.equal(granted.allows("update", "Observation", "patient"), false);
assert.equal(granted.offlineAccess, true);
console.log(`ESM: ${JSON.stringify(scope)}`);
