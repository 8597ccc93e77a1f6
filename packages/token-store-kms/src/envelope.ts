import { TokenStoreError, TokenStoreErrorCode } from "@fhir-dsl/token-store";
import { decode, encode as toBase64Url } from "jose/base64url";

/** The envelope format version written by this release. */
export const ENVELOPE_VERSION = 1;
const PREFIX = `kms${ENVELOPE_VERSION}`;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD_LABEL = "fhir-dsl/token-store-kms";

/**
 * One encrypted token: `kms1.<keyId>.<encryptedDataKey>.<iv>.<ciphertext+tag>`, every part base64url.
 * `keyId` is the KMS key ARN that wrapped the data key, so Decrypt can name it after a rotation.
 */
export interface Envelope {
  keyId: string;
  encryptedDataKey: Uint8Array;
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

const utf8 = new TextEncoder();

export function formatEnvelope(envelope: Envelope): string {
  return [
    PREFIX,
    toBase64Url(utf8.encode(envelope.keyId)),
    toBase64Url(envelope.encryptedDataKey),
    toBase64Url(envelope.iv),
    toBase64Url(envelope.ciphertext),
  ].join(".");
}

/**
 * Parse an envelope read from the wrapped store (outside input). Another version is
 * `store_corrupt_value` (written by a newer release); a broken `kms1` value is `store_decrypt_failed`.
 */
export function parseEnvelope(text: unknown, key: string): Envelope {
  if (typeof text !== "string") {
    throw new TokenStoreError(`The value under key "${key}" is not a KMS envelope`, {
      code: TokenStoreErrorCode.CorruptValue,
      key,
    });
  }
  const parts = text.split(".");
  if (parts[0] !== PREFIX) {
    throw new TokenStoreError(`The value under key "${key}" has an unknown envelope version`, {
      code: TokenStoreErrorCode.CorruptValue,
      key,
    });
  }
  const [keyId, encryptedDataKey, iv, ciphertext] = parts.slice(1).map(canonicalBytes);
  const keyIdText = keyId === undefined ? undefined : decodeUtf8(keyId);
  if (
    parts.length !== 5 ||
    keyIdText === undefined ||
    keyIdText === "" ||
    encryptedDataKey === undefined ||
    encryptedDataKey.length === 0 ||
    iv?.length !== IV_BYTES ||
    ciphertext === undefined ||
    ciphertext.length < TAG_BYTES
  ) {
    throw decryptFailed(key);
  }
  return { keyId: keyIdText, encryptedDataKey, iv, ciphertext };
}

/**
 * The bytes of `text` when it is canonical base64url (RFC 4648 §5, no padding, zero pad bits), else undefined:
 * decoded, re-encoded and compared, so no two strings open to the same envelope (a decoder's leniency is no way in).
 */
export function canonicalBytes(text: string): Uint8Array | undefined {
  let bytes: Uint8Array;
  try {
    bytes = decode(text);
  } catch {
    return undefined;
  }
  return toBase64Url(bytes) === text ? bytes : undefined;
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

export function decryptFailed(key: string, cause?: unknown): TokenStoreError {
  return new TokenStoreError(
    `The encrypted value under key "${key}" failed authentication (tampered, truncated or moved from another key)`,
    { code: TokenStoreErrorCode.DecryptFailed, key, retryable: false, cause },
  );
}

/**
 * AES-GCM additional data: format version, storage key, KMS key, encrypted data key and the
 * encryption context, so a ciphertext moved to another key or re-labelled fails authentication.
 * A JSON array of strings is an unambiguous encoding of the tuple.
 */
export function additionalData(
  key: string,
  keyId: string,
  encryptedDataKey: Uint8Array,
  context: Readonly<Record<string, string>>,
): Uint8Array {
  const sortedContext = Object.keys(context)
    .sort()
    .flatMap((name) => [name, context[name] as string]);
  return utf8.encode(
    JSON.stringify([AAD_LABEL, String(ENVELOPE_VERSION), key, keyId, toBase64Url(encryptedDataKey), ...sortedContext]),
  );
}

/** Encrypt `plaintext` with AES-256-GCM under a fresh random 96-bit IV. */
export async function seal(
  dataKey: CryptoKey,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Promise<{ iv: Uint8Array; ciphertext: Uint8Array }> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const params: AesGcmParams = {
    name: "AES-GCM",
    iv: iv as BufferSource,
    additionalData: aad as BufferSource,
    tagLength: TAG_BYTES * 8,
  };
  const ciphertext = new Uint8Array(await globalThis.crypto.subtle.encrypt(params, dataKey, plaintext as BufferSource));
  return { iv, ciphertext };
}

/** Decrypt and authenticate; throws `store_decrypt_failed` on any mismatch. */
export async function open(dataKey: CryptoKey, envelope: Envelope, aad: Uint8Array, key: string): Promise<Uint8Array> {
  const params: AesGcmParams = {
    name: "AES-GCM",
    iv: envelope.iv as BufferSource,
    additionalData: aad as BufferSource,
    tagLength: TAG_BYTES * 8,
  };
  try {
    return new Uint8Array(await globalThis.crypto.subtle.decrypt(params, dataKey, envelope.ciphertext as BufferSource));
  } catch {
    // WebCrypto's OperationError says nothing useful and nothing secret; drop it.
    throw decryptFailed(key);
  }
}

/** Import 32 raw bytes as a non-extractable AES-GCM key, then wipe the bytes. */
export async function importDataKey(raw: Uint8Array): Promise<CryptoKey> {
  try {
    if (raw.length !== 32) throw new RangeError("data key must be 32 bytes");
    return await globalThis.crypto.subtle.importKey("raw", raw as BufferSource, { name: "AES-GCM" }, false, [
      "encrypt",
      "decrypt",
    ]);
  } finally {
    raw.fill(0);
  }
}
