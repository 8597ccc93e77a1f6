// Issue 19 (newcomer): the AWS SDK's Node version notice was printed on every KMS run of the example. The example
// (never a library package) turns it off unless the user set AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startLocalKms, type LocalKms } from "@fhir-dsl/test-kms";
import { runMain } from "./helpers.js";

let kms: LocalKms;
beforeAll(async () => {
  kms = await startLocalKms();
});
afterAll(() => kms?.close());

const env = (notice: string | undefined) => ({
  TOKEN_STORE: "kms",
  KMS_ENDPOINT: kms.endpoint,
  KMS_KEY_ID: "alias/tokens",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: notice,
});

it("TOKEN_STORE=kms and SIGNER=kms runs print no NodeVersionSupportWarning on Node 20", async () => {
  for (const extra of [{}, { SIGNER: "kms" }]) {
    const { code, stderr } = await runMain({ ...env(undefined), ...extra });
    expect(code).toBe(0);
    expect(stderr).not.toContain("NodeVersionSupportWarning");
  }
});

it("a user who asks for the notice (the variable set to false) still gets it", async () => {
  const { code, stderr } = await runMain(env("false"));
  expect(code).toBe(0);
  if (Number(process.versions.node.split(".")[0]) < 22) expect(stderr).toContain("NodeVersionSupportWarning");
});
