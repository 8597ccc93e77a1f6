// jose's base64url (RFC 4648 §5, no padding), as the rest of the project: never a hand-written copy.
import { encode as base64url } from "jose/base64url";

export { base64url };

/** `byteLength` bytes from the platform CSPRNG, base64url without padding. */
export function randomBase64url(byteLength: number): string {
  return base64url(webCrypto().getRandomValues(new Uint8Array(byteLength)));
}

export function webCrypto(): Crypto {
  const crypto = globalThis.crypto;
  if (crypto?.subtle === undefined) {
    throw new TypeError(
      "@fhir-dsl/smart-pkce needs WebCrypto: run on Node >= 20.19, a browser (secure context) or an edge runtime",
    );
  }
  return crypto;
}
