import { TokenStoreError, TokenStoreErrorCode } from "@fhir-dsl/token-store";

/** The KMS operations this store calls. */
export type KmsOperationName = "GenerateDataKey" | "Decrypt" | "DescribeKey";

// https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html#API_Decrypt_Errors
const RETRYABLE = new Set([
  "ThrottlingException",
  "KMSInternalException",
  "DependencyTimeoutException",
  "KeyUnavailableException",
  "ServiceUnavailableException",
  "InternalFailure",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "AbortError",
]);

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNABORTED",
]);

// A ciphertext that KMS will not open for this key or context: the stored value is bad, not the service.
const BAD_CIPHERTEXT = new Set(["InvalidCiphertextException", "IncorrectKeyException"]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** The error name to show: an SDK exception name or a Node network code, never the message. */
function errorName(error: unknown): string {
  const e = (typeof error === "object" && error !== null ? error : {}) as SdkErrorShape;
  if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return e.code;
  return typeof e.name === "string" && /^[A-Za-z0-9_.]{1,80}$/.test(e.name) ? e.name : "UnknownError";
}

function isRetryable(error: unknown, name: string): boolean {
  if (RETRYABLE.has(name) || NETWORK_CODES.has(name)) return true;
  const e = (typeof error === "object" && error !== null ? error : {}) as SdkErrorShape;
  if (e.$retryable !== undefined && e.$retryable !== null) return true;
  if (e.$fault === "server") return true;
  const status = e.$metadata?.httpStatusCode;
  return typeof status === "number" && (status >= 500 || status === 429);
}

/**
 * Map a failed KMS call to a TokenStoreError: `store_key_service` with `retryable` set for throttling,
 * KMS-internal faults, timeouts and network errors; `store_decrypt_failed` when KMS rejects the stored
 * ciphertext. The message names the operation and the error class only; the SDK error stays as `cause`.
 */
export function keyServiceError(
  error: unknown,
  operation: KmsOperationName,
  key: string,
  timedOut = false,
): TokenStoreError {
  const name = timedOut ? "TimeoutError" : errorName(error);
  if (operation === "Decrypt" && BAD_CIPHERTEXT.has(name)) {
    return new TokenStoreError(
      `KMS refused to decrypt the data key of the value under key "${key}" (${name}): tampered, moved or written under another encryption context`,
      { code: TokenStoreErrorCode.DecryptFailed, key, retryable: false, cause: error },
    );
  }
  const retryable = timedOut || isRetryable(error, name);
  return new TokenStoreError(`KMS ${operation} failed for key "${key}": ${name}${retryable ? " (retryable)" : ""}`, {
    code: TokenStoreErrorCode.KeyService,
    key,
    retryable,
    cause: error,
  });
}

/** A KMS answer without the fields this store needs. */
export function malformedKmsResponse(operation: KmsOperationName, key: string): TokenStoreError {
  return new TokenStoreError(
    `KMS ${operation} for key "${key}" answered without ${operation === "DescribeKey" ? "a key ARN" : "a usable 256-bit data key"}`,
    {
      code: TokenStoreErrorCode.KeyService,
      key,
      retryable: false,
    },
  );
}
