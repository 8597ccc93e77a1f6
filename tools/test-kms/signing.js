// Asymmetric signing keys for the local KMS: `Sign` and `GetPublicKey` as AWS KMS answers them
// (https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html), with real keys generated here and real
// signatures from OpenSSL: ECDSA comes back DER-encoded (RFC 3279 §2.2.3), as KMS sends it.
import { generateKeyPair, sign } from "node:crypto";
import { promisify } from "node:util";
const RSA_ALGORITHMS = [
  "RSASSA_PSS_SHA_256",
  "RSASSA_PSS_SHA_384",
  "RSASSA_PSS_SHA_512",
  "RSASSA_PKCS1_V1_5_SHA_256",
  "RSASSA_PKCS1_V1_5_SHA_384",
  "RSASSA_PKCS1_V1_5_SHA_512",
];
const SIGNING_ALGORITHMS = {
  ECC_NIST_P384: ["ECDSA_SHA_384"],
  ECC_NIST_P256: ["ECDSA_SHA_256"],
  RSA_2048: RSA_ALGORITHMS,
  RSA_3072: RSA_ALGORITHMS,
  RSA_4096: RSA_ALGORITHMS,
};
const generate = promisify(generateKeyPair);
async function generateSigningKey(spec) {
  const { privateKey, publicKey } = spec.startsWith("ECC_")
    ? await generate("ec", { namedCurve: spec === "ECC_NIST_P384" ? "P-384" : "P-256" })
    : await generate("rsa", { modulusLength: Number(spec.slice(4)) });
  return { spec, privateKey, publicKeyDer: publicKey.export({ type: "spki", format: "der" }) };
}
/** The signing half of the fixture: key pairs by key id, `Sign`/`GetPublicKey`, and a hook to corrupt answers. */
export class SigningKeys {
  #pairs = new Map();
  /** Rewrites the next signatures (base64 in the JSON answer), to test what a client does with a bad one. */
  tamperSignature;
  /** The signatures returned, DER for ECDSA, in order. */
  signatures = [];
  async add(keyId, spec) {
    this.#pairs.set(keyId, await generateSigningKey(spec));
  }
  /** The private key, for tests that must build a signature KMS would make. */
  privateKeyOf(keyId) {
    return this.#pairs.get(keyId)?.privateKey;
  }
  operation(op, body, key, fail) {
    const pair = this.#pairs.get(key.id);
    if (op === "GetPublicKey") {
      if (!pair) throw fail("UnsupportedOperationException", `${key.arn} is not an asymmetric KMS key.`);
      return {
        KeyId: key.arn,
        PublicKey: pair.publicKeyDer.toString("base64"),
        KeySpec: pair.spec,
        CustomerMasterKeySpec: pair.spec,
        KeyUsage: "SIGN_VERIFY",
        SigningAlgorithms: SIGNING_ALGORITHMS[pair.spec],
      };
    }
    if (!pair)
      throw fail("InvalidKeyUsageException", `${key.arn} key usage is ENCRYPT_DECRYPT which is not valid for Sign.`);
    const algorithm = body.SigningAlgorithm;
    if (typeof algorithm !== "string" || !SIGNING_ALGORITHMS[pair.spec].includes(algorithm)) {
      throw fail(
        "InvalidKeyUsageException",
        `Algorithm ${String(algorithm)} is incompatible with key spec ${pair.spec}.`,
      );
    }
    if (body.MessageType !== undefined && body.MessageType !== "RAW")
      throw fail("ValidationException", "this fixture signs RAW messages only");
    if (typeof body.Message !== "string") throw fail("ValidationException", "Message is required");
    const message = Buffer.from(body.Message, "base64");
    if (message.length < 1 || message.length > 4096)
      throw fail("ValidationException", "Message must be 1 to 4096 bytes");
    const hash = `sha${algorithm.slice(-3)}`;
    const signature = algorithm.startsWith("ECDSA")
      ? sign(hash, message, { key: pair.privateKey, dsaEncoding: "der" })
      : sign(
          hash,
          message,
          algorithm.includes("PSS")
            ? { key: pair.privateKey, padding: 6, saltLength: Number(algorithm.slice(-3)) / 8 }
            : pair.privateKey,
        );
    const sent = this.tamperSignature ? this.tamperSignature(signature) : signature;
    this.signatures.push(sent);
    return { KeyId: key.arn, Signature: sent.toString("base64"), SigningAlgorithm: algorithm };
  }
}
