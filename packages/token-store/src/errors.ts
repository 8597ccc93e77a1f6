const MARKER = Symbol.for("@fhir-dsl/token-store/TokenStoreError");

/** Stable codes of TokenStoreError. */
export const TokenStoreErrorCode = {
  /** The backend could not be reached or answered with an error (retryable). */
  Unavailable: "store_unavailable",
  /** The value under a key is not a token this store wrote (corrupt, foreign, or a newer format). */
  CorruptValue: "store_corrupt_value",
  /** An encrypted value failed authentication: tampered, truncated or moved to another key. */
  DecryptFailed: "store_decrypt_failed",
  /** The key-management service refused or failed (see `retryable`). */
  KeyService: "store_key_service",
  /** The store was given something it cannot keep (e.g. a value that is not a token). */
  InvalidValue: "store_invalid_value",
} as const;
export type TokenStoreErrorCode = (typeof TokenStoreErrorCode)[keyof typeof TokenStoreErrorCode];

export interface TokenStoreErrorOptions {
  code: TokenStoreErrorCode;
  /** The storage key involved; keys are identifiers, never secrets. */
  key?: string;
  retryable?: boolean;
  cause?: unknown;
}

/**
 * The one error class of every token store adapter. Messages name the key and the reason, never a
 * token or key material; `cause` keeps the backend's error.
 */
export class TokenStoreError extends Error {
  override name = "TokenStoreError";
  readonly code: TokenStoreErrorCode;
  readonly key: string | undefined;
  readonly retryable: boolean;

  constructor(message: string, options: TokenStoreErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.key = options.key;
    this.retryable = options.retryable ?? options.code === TokenStoreErrorCode.Unavailable;
    Object.defineProperty(this, MARKER, { value: true });
  }

  /** True for a TokenStoreError from any copy of this package (a `Symbol.for` brand, not `instanceof`), with `code` when given. */
  static is(value: unknown): value is TokenStoreError;
  // a code narrows `code` on a match, and a miss still leaves a TokenStoreError a TokenStoreError
  static is<C extends TokenStoreErrorCode>(value: unknown, code: C): value is TokenStoreError & { readonly code: C };
  static is(value: unknown, code?: TokenStoreErrorCode): boolean {
    return (
      (value as Record<symbol, unknown> | null)?.[MARKER] === true &&
      (code === undefined || (value as TokenStoreError).code === code)
    );
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, key: this.key, retryable: this.retryable, message: this.message };
  }
}
