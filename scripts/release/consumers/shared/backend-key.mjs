// What jose's importPKCS8(pem, "ES384") does, without making the consumer depend on jose. The key pair and the
// client registration come from the sandbox's own helper (@fhir-dsl/smart-sandbox/testing, from its tarball).

/** The ES384 private key of a PKCS#8 PEM (what the README reads from PRIVATE_KEY), as a WebCrypto CryptoKey. */
export async function importPKCS8(pem) {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
  return crypto.subtle.importKey("pkcs8", der, { name: "ECDSA", namedCurve: "P-384" }, false, ["sign"]);
}
