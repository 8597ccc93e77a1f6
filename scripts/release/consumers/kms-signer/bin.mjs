// `smart-kms-jwks` as installed (node_modules/.bin): prints the JWKS of a KMS key.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { LocalKms } from "./test-kms/index.js";

const local = await new LocalKms().start();
await local.createSigningKey("ECC_NIST_P384", { alias: "alias/signing" });
try {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  const { stdout } = await promisify(execFile)(
    "node_modules/.bin/smart-kms-jwks",
    ["--key-id", "alias/signing", "--alg", "ES384", "--endpoint", local.endpoint],
    { env },
  );
  const jwks = JSON.parse(stdout);
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0].crv, "P-384");
  console.log(`smart-kms-jwks: kid ${jwks.keys[0].kid.slice(0, 8)}…`);
} finally {
  await local.close();
}
