/**
 * Issue 18: SIGNER=kms signs the client assertions with AWS KMS (the local KMS endpoint by default, or
 * KMS_SIGNING_KEY_ID at KMS_ENDPOINT); the private key never exists in the process.
 */
import { KMSClient } from "@aws-sdk/client-kms";
import { createKmsSigner } from "@fhir-dsl/smart-kms-signer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalKms } from "@fhir-dsl/test-kms";
import { errorLines, runMain } from "./helpers.js";
import { startRemoteServer, type RemoteServer } from "./sandbox.js";

let kms: LocalKms;
let server: RemoteServer;
let keyArn: string;
const awsEnv = () => ({
  KMS_ENDPOINT: kms.endpoint,
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
});

beforeAll(async () => {
  [kms, server] = await Promise.all([new LocalKms().start(), startRemoteServer()]);
  keyArn = await kms.createSigningKey("ECC_NIST_P384", { alias: "alias/backend-signing" });
  await kms.createSigningKey("ECC_NIST_P256", { alias: "alias/p256" });
  // the "real" server knows the KMS key's public half, as an operator would register it
  const client = new KMSClient(kms.clientConfig());
  const signer = await createKmsSigner({ kms: client, keyId: keyArn, alg: "ES384", kid: "kms-key-1" });
  client.destroy();
  await server.sandbox.registerClient({
    clientId: "kms-backend",
    jwks: signer.jwks(),
    scope: "system/Patient.rs system/Observation.rs",
  });
});
afterAll(async () => {
  await Promise.all([kms?.close(), server?.sandbox.close()]);
});

describe("SIGNER=kms", () => {
  for (const alg of ["ES384", "RS384"]) {
    it(`embedded defaults (${alg}): a local KMS endpoint in-process signs; the report names it; exit 0`, async () => {
      const { code, stdout, stderr } = await runMain({
        SIGNER: "kms",
        ALG: alg,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      });
      expect(errorLines(stderr)).toEqual([]);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`private_key_jwt with ${alg} key "[A-Za-z0-9_-]{43}"`));
      expect(stdout).toMatch(/signer +kms alias\/demo-signing at the local KMS endpoint http:\/\/127\.0\.0\.1:\d+$/m);
      expect(stdout).toMatch(/patients +5 in 3 pages/);
      expect(stdout + stderr).not.toMatch(/BEGIN|PRIVATE KEY|eyJ[\w-]{10,}/);
    });
  }

  it("against a server, with KMS_SIGNING_KEY_ID at KMS_ENDPOINT: one Sign for the one token request, no PRIVATE_KEY", async () => {
    const before = kms.calls.Sign;
    const env = {
      ...awsEnv(),
      SIGNER: "kms",
      KMS_SIGNING_KEY_ID: "alias/backend-signing",
      KID: "kms-key-1",
      FHIR_BASE_URL: server.sandbox.fhirBaseUrl,
      CLIENT_ID: "kms-backend",
    };
    const { code, stdout, stderr } = await runMain(env);
    expect(errorLines(stderr)).toEqual([]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/private_key_jwt with ES384 key "kms-key-1"/);
    expect(stdout).toMatch(/signer +kms alias\/backend-signing at http:\/\/127\.0\.0\.1:\d+$/m);
    expect(stdout).toMatch(/obtained +1 token request/);
    expect(kms.calls.Sign - before).toBe(1);
  });

  it("settings and key errors are one line: bad SIGNER, no key id for a server, a key that cannot sign ES384, KMS refusing Sign (AccessDenied)", async () => {
    const oneLine = (result: { code: number | null; stderr: string; stdout: string }, message: RegExp) => {
      expect(result.code).toBe(1);
      const lines = errorLines(result.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    };
    oneLine(await runMain({ SIGNER: "hsm" }), /^backend-services: SIGNER must be key or kms, got "hsm"$/);
    oneLine(
      await runMain({ SIGNER: "kms", FHIR_BASE_URL: server.sandbox.fhirBaseUrl, CLIENT_ID: "kms-backend" }),
      /SIGNER=kms with FHIR_BASE_URL needs KMS_SIGNING_KEY_ID/,
    );
    oneLine(
      await runMain({ ...awsEnv(), SIGNER: "kms", KMS_SIGNING_KEY_ID: "alias/p256" }),
      /^backend-services: the KMS signing key failed: KMS key "alias\/p256" cannot sign ES384: its key spec is ECC_NIST_P256/,
    );
    kms.failNext("Sign", "AccessDeniedException");
    const env = {
      ...awsEnv(),
      SIGNER: "kms",
      KMS_SIGNING_KEY_ID: "alias/backend-signing",
      KID: "kms-key-1",
      FHIR_BASE_URL: server.sandbox.fhirBaseUrl,
      CLIENT_ID: "kms-backend",
    };
    oneLine(
      await runMain(env),
      /^backend-services: Signer \(kid "kms-key-1", ES384\) failed to sign the client assertion \(kms_key_service\); check KMS_SIGNING_KEY_ID/,
    );
  });
});
