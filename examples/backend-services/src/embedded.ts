import { createPublicKey } from "node:crypto";
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import type { KeyAlg } from "./config.js";

export interface Embedded {
  sandbox: Sandbox;
  clientId: string;
  kid: string;
  /** The private key, when this run generated it. */
  privateKey?: CryptoKey;
}

/**
 * The in-process sandbox with one backend client registered: its public key is the one given in
 * PRIVATE_KEY(_FILE), or a freshly generated pair's.
 */
export async function startEmbedded(options: {
  alg: KeyAlg;
  kid?: string;
  privateKeyPem?: string;
  scope: string;
  signerJwk?: JWK & { kid: string };
}): Promise<Embedded> {
  let kid = options.kid ?? "demo-key-1";
  let publicJwk: JWK;
  let privateKey: CryptoKey | undefined;
  if (options.signerJwk) {
    // SIGNER=kms: the public half KMS gave, under the signer's kid
    ({ kid, ...publicJwk } = options.signerJwk);
  } else if (options.privateKeyPem) {
    publicJwk = createPublicKey(options.privateKeyPem).export({ format: "jwk" }) as JWK;
  } else {
    const pair = await generateKeyPair(options.alg, { extractable: true });
    publicJwk = await exportJWK(pair.publicKey);
    privateKey = pair.privateKey;
  }
  const sandbox = await startSandbox({ port: 0 });
  const clientId = "demo-backend";
  // SMART 2.2 backend-services.html#registering-a-smart-backend-service: the server holds the public JWK
  await sandbox.registerClient({
    clientId,
    jwks: { keys: [{ ...publicJwk, kid, alg: options.alg, use: "sig" }] },
    scope: options.scope,
  });
  return { sandbox, clientId, kid, ...(privateKey ? { privateKey } : {}) };
}
