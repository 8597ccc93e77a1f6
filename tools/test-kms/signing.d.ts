import { type KeyObject } from "node:crypto";
/**
 * Asymmetric signing keys for the local KMS fixture: `Sign` and `GetPublicKey` as AWS KMS answers them
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html), with real keys generated here and
 * real signatures from OpenSSL: ECDSA comes back DER-encoded (RFC 3279 §2.2.3), as KMS sends it.
 */
export type SigningOperation = "Sign" | "GetPublicKey";
export type SigningKeySpec = "ECC_NIST_P384" | "ECC_NIST_P256" | "RSA_2048" | "RSA_3072" | "RSA_4096";
type Fail = (type: string, message: string) => Error;
/** The signing half of the fixture: key pairs by key id, `Sign`/`GetPublicKey`, and a hook to corrupt answers. */
export declare class SigningKeys {
  /** Rewrites the next signatures (base64 in the JSON answer), to test what a client does with a bad one. */
  tamperSignature: ((signature: Buffer) => Buffer) | undefined;
  /** The signatures returned, DER for ECDSA, in order. */
  readonly signatures: Buffer[];
  add(keyId: string, spec: SigningKeySpec): Promise<void>;
  /** The private key, for tests that must build a signature KMS would make. */
  privateKeyOf(keyId: string): KeyObject | undefined;
  operation(
    op: SigningOperation,
    body: Record<string, unknown>,
    key: {
      id: string;
      arn: string;
    },
    fail: Fail,
  ): Record<string, unknown>;
}
