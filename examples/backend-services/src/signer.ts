import { KMSClient } from "@aws-sdk/client-kms";
import { createKmsSigner, type KmsSigner } from "@fhir-dsl/smart-kms-signer";
import type { Config } from "./config.js";

export interface OpenSigner {
  signer: KmsSigner;
  /** What to print: the key and where, never credentials. */
  label: string;
  close(): Promise<void>;
}

/**
 * SIGNER=kms: a signer whose private key stays in AWS KMS (one `Sign` per token request). Without
 * KMS_SIGNING_KEY_ID it starts the repository's local KMS endpoint in-process with a fresh key, so the
 * embedded demo runs with no AWS account; the sandbox then gets the key's JWKS from GetPublicKey.
 */
export async function openKmsSigner(config: Config): Promise<OpenSigner | undefined> {
  const settings = config.kmsSigner;
  if (!settings) return undefined;
  if (settings.keyId) {
    // credentials and region come from the usual AWS settings (env, profile, instance role)
    const kms = new KMSClient({
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    });
    try {
      const signer = await createKmsSigner({
        kms,
        keyId: settings.keyId,
        alg: config.alg,
        ...(config.kid ? { kid: config.kid } : {}),
      });
      return {
        signer,
        label: `kms ${settings.keyId}${settings.endpoint ? ` at ${settings.endpoint}` : ` (${settings.region})`}`,
        close: async () => kms.destroy(),
      };
    } catch (error) {
      kms.destroy();
      throw error;
    }
  }
  const { LocalKms } = await import("@fhir-dsl/test-kms");
  const local = await new LocalKms().start();
  const kms = new KMSClient(local.clientConfig());
  try {
    const keyId = await local.createSigningKey(config.alg === "ES384" ? "ECC_NIST_P384" : "RSA_3072", {
      alias: "alias/demo-signing",
    });
    const signer = await createKmsSigner({ kms, keyId, alg: config.alg, ...(config.kid ? { kid: config.kid } : {}) });
    return {
      signer,
      label: `kms alias/demo-signing at the local KMS endpoint ${local.endpoint}`,
      close: async () => {
        kms.destroy();
        await local.close();
      },
    };
  } catch (error) {
    kms.destroy();
    await local.close();
    throw error;
  }
}
