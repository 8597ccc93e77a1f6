const MARKER = Symbol.for("@fhir-dsl/smart-kms-signer/KmsSignerError");

/** Stable codes of KmsSignerError. */
export const KmsSignerErrorCode = {
  /** A KMS call failed (see `retryable`): throttling, KMS faults, timeouts and network errors are retryable. */
  KeyService: "kms_key_service",
  /** The KMS key cannot produce the requested alg (key spec, key usage or signing algorithms). */
  UnsupportedKey: "kms_unsupported_key",
  /** KMS answered without a usable public key or signature. */
  MalformedResponse: "kms_malformed_response",
} as const;
export type KmsSignerErrorCode = (typeof KmsSignerErrorCode)[keyof typeof KmsSignerErrorCode];

export type KmsSignerOperation = "Sign" | "GetPublicKey";

/**
 * The error of this package. Its message names the operation, the key id and the AWS error class only;
 * the SDK error stays as the non-enumerable `cause`. No signature, message or key material is in it.
 */
export class KmsSignerError extends Error {
  override name = "KmsSignerError";
  declare readonly code: KmsSignerErrorCode;
  declare readonly retryable: boolean;
  declare readonly keyId: string;
  declare readonly operation: KmsSignerOperation;

  constructor(
    message: string,
    options: {
      code: KmsSignerErrorCode;
      keyId: string;
      operation: KmsSignerOperation;
      retryable?: boolean;
      cause?: unknown;
    },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Object.assign(this, {
      code: options.code,
      retryable: options.retryable ?? false,
      keyId: options.keyId,
      operation: options.operation,
    });
    Object.defineProperty(this, MARKER, { value: true });
  }

  /** True for a KmsSignerError from any copy of this package (a `Symbol.for` brand, not `instanceof`), with `code` when given. */
  static is(value: unknown): value is KmsSignerError;
  // a code narrows `code` on a match, and a miss still leaves a KmsSignerError a KmsSignerError
  static is<C extends KmsSignerErrorCode>(value: unknown, code: C): value is KmsSignerError & { readonly code: C };
  static is(value: unknown, code?: KmsSignerErrorCode): boolean {
    return (
      (value as Record<symbol, unknown> | null)?.[MARKER] === true &&
      (code === undefined || (value as KmsSignerError).code === code)
    );
  }

  toJSON(): Record<string, unknown> {
    return { ...(this as object), message: this.message };
  }
}

// https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html#API_Sign_Errors
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

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** The error's class or network code, never its message. */
function errorName(error: SdkErrorShape): string {
  if (typeof error.code === "string" && NETWORK_CODES.has(error.code)) return error.code;
  return typeof error.name === "string" && /^[A-Za-z0-9_.]{1,80}$/.test(error.name) ? error.name : "UnknownError";
}

/** Map a failed KMS call to a KmsSignerError with `retryable` (throttling, 5xx, timeouts, network: yes; access denied, disabled key: no). */
export function kmsCallError(
  error: unknown,
  operation: KmsSignerOperation,
  keyId: string,
  timedOut = false,
): KmsSignerError {
  const e = (typeof error === "object" && error !== null ? error : {}) as SdkErrorShape;
  const name = timedOut ? "TimeoutError" : errorName(e);
  const status = e.$metadata?.httpStatusCode;
  const retryable =
    timedOut ||
    RETRYABLE.has(name) ||
    NETWORK_CODES.has(name) ||
    (e.$retryable !== undefined && e.$retryable !== null) ||
    e.$fault === "server" ||
    (typeof status === "number" && (status >= 500 || status === 429));
  return new KmsSignerError(`KMS ${operation} failed for key "${keyId}": ${name}${retryable ? " (retryable)" : ""}`, {
    code: KmsSignerErrorCode.KeyService,
    keyId,
    operation,
    retryable,
    cause: error,
  });
}
