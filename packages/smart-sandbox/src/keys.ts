import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";

let signingKey: Promise<JWK> | undefined;

// Key generation is almost all of the start-up cost: one RSA key per process.
export function processSigningKey(): Promise<JWK> {
  signingKey ??= (async () => {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true, modulusLength: 2048 });
    const jwk = await exportJWK(privateKey);
    return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: "RS256", use: "sig" };
  })();
  return signingKey;
}

/** Normalises a caller-supplied RS256 private JWK for the provider's keystore. */
export async function normaliseSigningKey(jwk: JWK): Promise<JWK> {
  if (jwk.kty !== "RSA" || typeof jwk.d !== "string") {
    throw new TypeError('signingKey must be an RSA private JWK (kty "RSA" with "d") for RS256 id_tokens');
  }
  return { ...jwk, kid: jwk.kid ?? (await calculateJwkThumbprint(jwk)), alg: "RS256", use: "sig" };
}
