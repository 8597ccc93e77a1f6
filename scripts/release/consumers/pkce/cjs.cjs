// @fhir-dsl/smart-pkce alone, CommonJS (require).
const assert = require("node:assert/strict");
const { codeChallengeS256, generateCodeVerifier, generateState } = require("@fhir-dsl/smart-pkce");

assert.match(require.resolve("@fhir-dsl/smart-pkce"), /\/dist\/index\.cjs$/, "require must resolve to the CJS build");

(async () => {
  const verifier = generateCodeVerifier();
  assert.match(verifier, /^[A-Za-z0-9\-._~]{43,128}$/);
  assert.equal(
    await codeChallengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  );
  assert.ok(generateState().length >= 22);
  console.log("CJS: RFC 7636 appendix B challenge matches");
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
