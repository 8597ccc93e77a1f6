import { KMSClient } from "@aws-sdk/client-kms";
import { LocalKms } from "@fhir-dsl/test-kms";

export { LocalKms };

/** The local KMS endpoint (real SigV4, JSON 1.1) with signing keys of each spec the tests need. */
export async function startSigningKms() {
  const kms = await new LocalKms().start();
  const keys = {
    p384: await kms.createSigningKey("ECC_NIST_P384", { alias: "alias/smart-es384" }),
    p256: await kms.createSigningKey("ECC_NIST_P256", { alias: "alias/smart-p256" }),
    rsa2048: await kms.createSigningKey("RSA_2048", { alias: "alias/smart-rs384" }),
    rsa3072: await kms.createSigningKey("RSA_3072", { alias: "alias/smart-rs3072" }),
    symmetric: kms.createKey({ alias: "alias/symmetric" }),
    disabled: await kms.createSigningKey("ECC_NIST_P384", { alias: "alias/disabled-es384" }),
  };
  // the real SDK client, retries off so each fault is seen once
  const client = new KMSClient({ ...kms.clientConfig(), maxAttempts: 1 });
  return { kms, keys, client };
}
