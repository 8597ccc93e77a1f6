// Every name the seed README imports from @fhir-dsl/smart, and its "Scope Builders" example, from the tarball.
import assert from "node:assert/strict";
import * as smart from "@fhir-dsl/smart";
import { missingExports } from "./exports.mjs";

assert.match(
  import.meta.resolve("@fhir-dsl/smart"),
  /\/dist\/node\/index\.js$/,
  "import must resolve to the ESM build for Node (export condition node)",
);

export const README_NAMES = [
  "BackendServicesAuth",
  "discoverSmartConfiguration",
  "generateCodeVerifier",
  "codeChallengeS256",
  "generateState",
  "buildAuthorizeUrl",
  "exchangeCode",
  "SmartClient",
  "buildScopes",
  "resourceScope",
  "openid",
  "fhirUser",
  "offlineAccess",
  "parseScope",
  "InMemoryTokenStore",
  "SmartAuthError",
  "DiscoveryError",
];

const { buildScopes, resourceScope, openid, fhirUser, offlineAccess } = smart;
const scope = buildScopes([
  openid,
  fhirUser,
  offlineAccess,
  "launch/patient",
  resourceScope({ context: "patient", resource: "Observation", perms: ["r", "s"] }),
  resourceScope({ context: "patient", resource: "Condition", perms: "*" }),
]);
assert.equal(scope, "openid fhirUser offline_access launch/patient patient/Observation.rs patient/Condition.cruds");

const missing = missingExports(smart, README_NAMES);
if (missing.length > 0) {
  console.log(`MISSING from @fhir-dsl/smart (seed README imports them): ${missing.join(", ")}`);
  process.exitCode = 1;
} else {
  console.log(`all ${README_NAMES.length} README exports present; scope example ok`);
}
