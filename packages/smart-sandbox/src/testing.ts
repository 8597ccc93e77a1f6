import { exportJWK, exportPKCS8, generateKeyPair } from "jose";
import type { ClientRegistration, JWK, Sandbox } from "./types.js";

/** What `registerBackendClient` registers; every field has a default. */
export interface BackendClientOptions {
  /** Default: `backend-<random>`. */
  clientId?: string;
  /** The client's maximum scopes (space separated); default: all the sandbox supports. */
  scope?: string;
  /** The client assertion's algorithm (SMART 2.2 client-confidential-asymmetric.html): default ES384. */
  alg?: "ES384" | "RS384";
  /** Default: `key-1`. */
  kid?: string;
  /** Default: the sandbox's (client_credentials for a key-only client). */
  grantTypes?: ClientRegistration["grantTypes"];
}

/** A backend client registered with a fresh key pair: what `BackendServicesAuth` needs, in every form a test reads. */
export interface BackendClient {
  clientId: string;
  alg: "ES384" | "RS384";
  kid: string;
  /** For `BackendServicesAuth({ privateKey })` (extractable, so that a test can export it). */
  privateKey: CryptoKey;
  /** The private key as PKCS#8 PEM (what an app reads from a PRIVATE_KEY variable). */
  privateKeyPem: string;
  /** The private key as a JWK with `kid` and `alg` (to hand to a child process). */
  privateJwk: JWK;
  /** The registered JWKS: the public key with `kid`, `alg` and `use: "sig"` (register it elsewhere too). */
  jwks: { keys: JWK[] };
}

/**
 * Generates a key pair and registers a Backend Services client for its public key with `sandbox`
 * (SMART 2.2 backend-services.html#registering-a-smart-backend-service): one call instead of
 * generateKeyPair + exportJWK + registerClient in every test.
 */
export async function registerBackendClient(
  sandbox: Pick<Sandbox, "registerClient">,
  options: BackendClientOptions = {},
): Promise<BackendClient> {
  const { alg = "ES384", kid = "key-1", scope, grantTypes } = options;
  const clientId = options.clientId ?? `backend-${crypto.randomUUID()}`;
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg, use: "sig" }] };
  await sandbox.registerClient({
    clientId,
    jwks,
    ...(scope !== undefined ? { scope } : {}),
    ...(grantTypes !== undefined ? { grantTypes } : {}),
  });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg };
  return { clientId, alg, kid, privateKey, privateKeyPem: await exportPKCS8(privateKey), privateJwk, jwks };
}
