import { GetPublicKeyCommand, SignCommand, type KMSClient } from "@aws-sdk/client-kms";
import { base64url, calculateJwkThumbprint } from "jose";
import { derToJoseSignature } from "./der.js";
import { KmsSignerError, KmsSignerErrorCode, kmsCallError, type KmsSignerOperation } from "./errors.js";

/** The JWS algorithms SMART asymmetric clients use (client-confidential-asymmetric.html#signature-verification). */
export type KmsSignerAlg = "ES384" | "RS384";

export interface KmsSignerOptions {
  /** Your client (`new KMSClient({ region })`): its credentials, region, endpoint and retries apply. */
  kms: KMSClient;
  /** Key id, key ARN, alias name or alias ARN of an asymmetric SIGN_VERIFY key. Pinned to the key's ARN at creation. */
  keyId: string;
  /** ES384 needs an ECC_NIST_P384 key; RS384 an RSA_2048, RSA_3072 or RSA_4096 key. */
  alg: KmsSignerAlg;
  /** `kid` of the assertions and the JWK; default the key's RFC 7638 thumbprint (SHA-256). */
  kid?: string;
  /** Abort a KMS call after this many ms (default 10 000); the error is retryable. */
  timeoutMs?: number;
}

/** A public JWK (RFC 7517) of a KMS signing key: EC P-384 (`crv`, `x`, `y`) or RSA (`n`, `e`). A type, not an interface, so it fits JWK types with an index signature. */
export type KmsPublicJwk = {
  kty: "EC" | "RSA";
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  kid: string;
  alg: KmsSignerAlg;
  use: "sig";
};

/** The public half of a KMS key, as a JWK ready for a JWKS (`kid`, `alg`, `use: "sig"`). */
export interface KmsPublicKey {
  /** The key's ARN, as KMS names it. */
  keyArn: string;
  jwk: KmsPublicJwk;
}

// https://docs.aws.amazon.com/kms/latest/developerguide/asymmetric-key-specs.html
const KMS_ALG = {
  ES384: { signing: "ECDSA_SHA_384", specs: ["ECC_NIST_P384"], importParams: { name: "ECDSA", namedCurve: "P-384" } },
  RS384: {
    signing: "RSASSA_PKCS1_V1_5_SHA_384",
    specs: ["RSA_2048", "RSA_3072", "RSA_4096"],
    importParams: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" },
  },
} as const;

function checkOptions(options: KmsSignerOptions): void {
  if (typeof options !== "object" || options === null) throw new TypeError("KmsSigner needs an options object");
  if (typeof options.kms?.send !== "function")
    throw new TypeError("KmsSigner: pass kms, a KMSClient from @aws-sdk/client-kms");
  if (typeof options.keyId !== "string" || options.keyId === "")
    throw new TypeError("KmsSigner: pass keyId, the id, ARN or alias of a KMS signing key");
  if (options.alg !== "ES384" && options.alg !== "RS384")
    throw new TypeError('KmsSigner: pass alg "ES384" (ECC_NIST_P384 key) or "RS384" (RSA key)');
  if (options.kid !== undefined && (typeof options.kid !== "string" || options.kid === ""))
    throw new TypeError("KmsSigner: kid must be a non-empty string");
}

/** One KMS call with a deadline; failures become KmsSignerError. */
async function call<T>(
  options: KmsSignerOptions,
  operation: KmsSignerOperation,
  keyId: string,
  command: unknown,
): Promise<T> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  try {
    return (await options.kms.send(command as never, { abortSignal: signal })) as T;
  } catch (error) {
    throw kmsCallError(error, operation, keyId, signal.aborted);
  }
}

const unsupported = (keyId: string, why: string) =>
  new KmsSignerError(`KMS key "${keyId}" cannot sign ${why}`, {
    code: KmsSignerErrorCode.UnsupportedKey,
    keyId,
    operation: "GetPublicKey",
  });

/**
 * The public JWK of a KMS signing key, from `GetPublicKey` (SPKI DER → JWK with WebCrypto), checked to be
 * able to sign `alg`: refuses other key specs, ENCRYPT_DECRYPT keys and keys without the signing algorithm.
 */
export async function getKmsPublicKey(options: KmsSignerOptions): Promise<KmsPublicKey> {
  checkOptions(options);
  const { keyId, alg } = options;
  const kmsAlg = KMS_ALG[alg];
  const answer = await call<{
    KeyId?: string;
    PublicKey?: Uint8Array;
    KeySpec?: string;
    CustomerMasterKeySpec?: string;
    KeyUsage?: string;
    SigningAlgorithms?: string[];
  }>(options, "GetPublicKey", keyId, new GetPublicKeyCommand({ KeyId: keyId }));
  const spec = answer.KeySpec ?? answer.CustomerMasterKeySpec;
  if (!(kmsAlg.specs as readonly string[]).includes(spec ?? ""))
    throw unsupported(keyId, `${alg}: its key spec is ${String(spec)}, ${alg} needs ${kmsAlg.specs.join(" or ")}`);
  if (answer.KeyUsage !== "SIGN_VERIFY")
    throw unsupported(keyId, `${alg}: its key usage is ${String(answer.KeyUsage)}, not SIGN_VERIFY`);
  if (!answer.SigningAlgorithms?.includes(kmsAlg.signing))
    throw unsupported(keyId, `${alg}: ${kmsAlg.signing} is not among its signing algorithms`);
  let jwk: JsonWebKey;
  try {
    const key = await crypto.subtle.importKey(
      "spki",
      answer.PublicKey as Uint8Array<ArrayBuffer>,
      kmsAlg.importParams,
      true,
      ["verify"],
    );
    jwk = await crypto.subtle.exportKey("jwk", key);
  } catch (cause) {
    throw new KmsSignerError(`KMS GetPublicKey for key "${keyId}" answered without a usable ${alg} public key`, {
      code: KmsSignerErrorCode.MalformedResponse,
      keyId,
      operation: "GetPublicKey",
      cause,
    });
  }
  const publicJwk =
    alg === "ES384"
      ? { kty: "EC" as const, crv: jwk.crv!, x: jwk.x!, y: jwk.y! }
      : { kty: "RSA" as const, n: jwk.n!, e: jwk.e! };
  // RFC 7638 §3: SHA-256 over the required members only
  const kid = options.kid ?? (await calculateJwkThumbprint(publicJwk, "sha256"));
  return {
    keyArn: typeof answer.KeyId === "string" && answer.KeyId !== "" ? answer.KeyId : keyId,
    jwk: { ...publicJwk, kid, alg, use: "sig" },
  };
}

/** A JWKS document (RFC 7517 §5) of one or more KMS signing keys, to register with or publish for a SMART server. */
export async function getKmsJwks(...keys: KmsSignerOptions[]): Promise<{ keys: KmsPublicKey["jwk"][] }> {
  return { keys: await Promise.all(keys.map(async (key) => (await getKmsPublicKey(key)).jwk)) };
}

/**
 * Signs SMART client assertions with AWS KMS `Sign`: one call per assertion, the private key never leaves
 * KMS. Pass it as `privateKey` to `BackendServicesAuth`, `exchangeCode` or `SmartClient` of `@fhir-dsl/smart`.
 * Build it with `createKmsSigner`, which reads and checks the public key once.
 */
export class KmsSigner {
  readonly alg: KmsSignerAlg;
  readonly kid: string;
  /** The ARN every `Sign` names: an alias is resolved once, so the key cannot change under the published kid. */
  readonly keyArn: string;
  readonly publicJwk: KmsPublicKey["jwk"];
  readonly #options: KmsSignerOptions;
  readonly #signatureBytes: number;

  constructor(options: KmsSignerOptions, publicKey: KmsPublicKey) {
    checkOptions(options);
    this.#options = options;
    this.alg = options.alg;
    this.keyArn = publicKey.keyArn;
    this.publicJwk = publicKey.jwk;
    this.kid = publicKey.jwk.kid;
    // ES384: r||s of 48 bytes each (RFC 7518 §3.4); RS384: the modulus length
    this.#signatureBytes = options.alg === "ES384" ? 96 : base64url.decode(publicKey.jwk.n ?? "").length;
    this.sign = this.sign.bind(this);
  }

  /** The JWKS of this key (RFC 7517 §5). */
  jwks(): { keys: KmsPublicKey["jwk"][] } {
    return { keys: [this.publicJwk] };
  }

  /** The raw JWS signature of `data` (ES384: 96-byte r||s converted from KMS's DER). One KMS `Sign` call. */
  async sign(data: Uint8Array): Promise<Uint8Array> {
    const { keyArn, alg } = this;
    if (!(data instanceof Uint8Array) || data.length === 0 || data.length > 4096) {
      // KMS signs RAW messages of 1 to 4096 bytes (API_Sign.html#KMS-Sign-request-Message)
      throw new KmsSignerError(`KMS Sign for key "${keyArn}" needs 1 to 4096 bytes to sign`, {
        code: KmsSignerErrorCode.MalformedResponse,
        keyId: keyArn,
        operation: "Sign",
      });
    }
    const answer = await call<{ Signature?: Uint8Array }>(
      this.#options,
      "Sign",
      keyArn,
      new SignCommand({ KeyId: keyArn, Message: data, MessageType: "RAW", SigningAlgorithm: KMS_ALG[alg].signing }),
    );
    const raw = answer.Signature instanceof Uint8Array ? answer.Signature : undefined;
    const signature =
      raw && (alg === "ES384" ? derToJoseSignature(raw, 48) : raw.length === this.#signatureBytes ? raw : undefined);
    if (!signature) {
      throw new KmsSignerError(`KMS Sign for key "${keyArn}" answered without a usable ${alg} signature`, {
        code: KmsSignerErrorCode.MalformedResponse,
        keyId: keyArn,
        operation: "Sign",
      });
    }
    return signature;
  }
}

/** Read the key's public half (one `GetPublicKey`), check it can sign `alg`, and return a signer for `@fhir-dsl/smart`. */
export async function createKmsSigner(options: KmsSignerOptions): Promise<KmsSigner> {
  return new KmsSigner(options, await getKmsPublicKey(options));
}
