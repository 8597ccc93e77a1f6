// A CommonJS (require) user of @fhir-dsl/smart-kms-signer: the CJS build loads (jose is ESM-only: Node >= 20.19).
const assert = require("node:assert/strict");
const { createKmsSigner, derToJoseSignature, KmsSignerErrorCode } = require("@fhir-dsl/smart-kms-signer");

assert.match(
  require.resolve("@fhir-dsl/smart-kms-signer"),
  /\/dist\/index\.cjs$/,
  "require must resolve to the CJS build",
);
assert.equal(typeof createKmsSigner, "function");
assert.equal(KmsSignerErrorCode.UnsupportedKey, "kms_unsupported_key");
const raw = derToJoseSignature(new Uint8Array([0x30, 6, 0x02, 1, 1, 0x02, 1, 2]), 48);
assert.equal(raw.length, 96);
assert.equal(raw[47], 1);
assert.equal(raw[95], 2);
console.log("CJS: require works");
