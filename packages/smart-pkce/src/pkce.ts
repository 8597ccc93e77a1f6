import { base64url, randomBase64url, webCrypto } from "./bytes.js";

/** The only PKCE method this library knows: `plain` does not exist here (SMART 2.2 app-launch.html#considerations-for-pkce-support). */
export const CODE_CHALLENGE_METHOD = "S256";

export interface PkcePair {
  codeVerifier: string;
  codeChallenge: string;
  codeChallengeMethod: typeof CODE_CHALLENGE_METHOD;
}

// RFC 7636 §4.1: code_verifier = 43*128unreserved
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** True when `value` is a code verifier RFC 7636 §4.1 allows: 43-128 characters of `[A-Za-z0-9-._~]`. */
export function isValidCodeVerifier(value: string): boolean {
  return typeof value === "string" && VERIFIER.test(value);
}

/**
 * A fresh code verifier: `byteLength` random bytes (32-96, default 32) as base64url, so 43-128 characters.
 */
export function generateCodeVerifier(byteLength = 32): string {
  // RFC 7636 §7.1: 32 bytes give 256 bits; 96 bytes are the most that fit in 128 characters
  if (!Number.isInteger(byteLength) || byteLength < 32 || byteLength > 96) {
    throw new TypeError("generateCodeVerifier: pass a whole number of random bytes from 32 to 96, or nothing for 32");
  }
  return randomBase64url(byteLength);
}

/** `BASE64URL(SHA-256(ASCII(codeVerifier)))` (RFC 7636 §4.2). */
export async function codeChallengeS256(codeVerifier: string): Promise<string> {
  if (!isValidCodeVerifier(codeVerifier)) {
    throw new TypeError(
      "codeChallengeS256: pass a code verifier of 43-128 characters from [A-Za-z0-9-._~], e.g. from generateCodeVerifier()",
    );
  }
  const digest = await webCrypto().subtle.digest("SHA-256", new TextEncoder().encode(codeVerifier));
  return base64url(new Uint8Array(digest));
}

/** A new verifier with its S256 challenge, ready for the authorization and token requests. */
export async function createPkcePair(): Promise<PkcePair> {
  const codeVerifier = generateCodeVerifier();
  return {
    codeVerifier,
    codeChallenge: await codeChallengeS256(codeVerifier),
    codeChallengeMethod: CODE_CHALLENGE_METHOD,
  };
}
