import { randomBase64url } from "./bytes.js";

/** An unguessable `state`: 32 random bytes (256 bits) as base64url (SMART 2.2 app-launch.html#request-4 asks for >= 122 bits). */
export function generateState(): string {
  return randomBase64url(32);
}

/** An OpenID Connect `nonce`: 32 random bytes (256 bits) as base64url. */
export function generateNonce(): string {
  return randomBase64url(32);
}
