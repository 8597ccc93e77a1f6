// @fhir-dsl/smart-browser alone, CommonJS (require).
const assert = require("node:assert/strict");
const { authorize, ready, WebStorageTokenStore } = require("@fhir-dsl/smart-browser");

assert.match(
  require.resolve("@fhir-dsl/smart-browser"),
  /\/dist\/index\.cjs$/,
  "require must resolve to the CJS build",
);
assert.equal(typeof authorize, "function");
assert.equal(typeof ready, "function");
assert.equal(typeof WebStorageTokenStore, "function");
console.log("CJS: authorize, ready and the stores load");
