// An ES384 key pair for the Backend Services client: the private key as PKCS#8 PEM (what the README reads from
// PRIVATE_KEY), its public JWK registered with the sandbox.
import { generateKeyPairSync } from "node:crypto";

export async function registerBackendClient(sandbox, { clientId, scope, kid = "key-1" }) {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid, alg: "ES384", use: "sig" };
  await sandbox.registerClient({ clientId, jwks: { keys: [jwk] }, scope });
  return privateKey.export({ type: "pkcs8", format: "pem" });
}

/** What jose's importPKCS8(pem, "ES384") does, without making the consumer depend on jose. */
export async function importPKCS8(pem) {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
  return crypto.subtle.importKey("pkcs8", der, { name: "ECDSA", namedCurve: "P-384" }, false, ["sign"]);
}
