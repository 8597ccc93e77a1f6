const MARKER = Symbol.for("@fhir-dsl/smart/SmartAuthError");

/** Stable codes of SmartAuthError. `error` (RFC 6749) says what the server said; `code` says what happened. */
export const SmartAuthErrorCode = {
  /** The token endpoint answered with an OAuth error (see `error`, `errorDescription`, `status`). */
  TokenEndpoint: "token_endpoint_error",
  /** The token endpoint answered 2xx with a body that is not a usable token response. */
  InvalidTokenResponse: "invalid_token_response",
  /** The request never got an HTTP answer (connection refused/reset, DNS). */
  Network: "network_error",
  /** The request timed out (`timeoutMs`) or was aborted. */
  Timeout: "timeout",
  /** The grant is gone (`invalid_grant` on refresh, or no refresh token): the user must authorize again. */
  ReauthorizationRequired: "reauthorization_required",
  /** The authorization redirect carried `error` (e.g. `access_denied`). */
  AuthorizationDenied: "authorization_denied",
  /** The redirect's `state` is missing, unknown, expired or already used (checklist 2.3, E12). */
  InvalidState: "invalid_state",
  /** The redirect has neither `code` nor `error`, or is otherwise malformed (E9). */
  InvalidCallback: "invalid_callback",
  /** An EHR launch `iss` is not on the allow-list (E15). */
  UntrustedIssuer: "untrusted_issuer",
  /** A plain-http URL on a non-loopback host, without `allowInsecureRequests` (checklist 2.1). */
  InsecureUrl: "insecure_url",
  /** The id_token failed verification (signature, iss, aud, exp, nonce) (checklist 4.x, E18). */
  InvalidIdToken: "invalid_id_token",
  /** The server lacks what the operation needs (e.g. no introspection_endpoint, no jwks_uri). */
  UnsupportedByServer: "unsupported_by_server",
  /** Introspection or revocation failed. */
  Introspection: "introspection_error",
  Revocation: "revocation_error",
  /** The token store failed; the store's error is the `cause`. */
  TokenStore: "token_store_error",
  /** Another process held the refresh lock and no fresh token appeared within the lease. */
  RefreshLockTimeout: "refresh_lock_timeout",
} as const;
export type SmartAuthErrorCode = (typeof SmartAuthErrorCode)[keyof typeof SmartAuthErrorCode];

export interface SmartAuthErrorOptions {
  code: SmartAuthErrorCode;
  /** RFC 6749 §5.2 / §4.1.2.1 `error`. */
  error?: string;
  errorDescription?: string;
  errorUri?: string;
  status?: number;
  retryable?: boolean;
  cause?: unknown;
  /** The raw response, kept non-enumerable so it never lands in logs. */
  response?: Response;
}

/**
 * The error of every SMART flow. Messages and JSON never contain tokens, codes, verifiers, secrets or
 * assertions: only codes, OAuth error fields, statuses and URLs without their query.
 */
export class SmartAuthError extends Error {
  override name = "SmartAuthError";
  readonly code: SmartAuthErrorCode;
  readonly error: string | undefined;
  readonly errorDescription: string | undefined;
  readonly errorUri: string | undefined;
  readonly status: number | undefined;
  readonly retryable: boolean;
  declare readonly response: Response | undefined;

  constructor(message: string, options: SmartAuthErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.error = options.error;
    this.errorDescription = options.errorDescription;
    this.errorUri = options.errorUri;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    Object.defineProperty(this, "response", { value: options.response, enumerable: false });
    Object.defineProperty(this, MARKER, { value: true });
  }

  /** True for a SmartAuthError from any copy of this package. */
  static is(value: unknown): value is SmartAuthError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      error: this.error,
      errorDescription: this.errorDescription,
      errorUri: this.errorUri,
      status: this.status,
      retryable: this.retryable,
    };
  }
}

/** A URL safe to print: origin and path, never the query (codes, states) or fragment (tokens). */
export function printableUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}
