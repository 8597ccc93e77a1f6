// Local encoder over btoa so the package keeps zero dependencies and runs in browsers, Node >= 20.19 and edge runtimes.
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

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
