const MARKER = Symbol.for("@fhir-dsl/smart/SmartAuthError");

/** Stable codes of SmartAuthError. `error` (RFC 6749) says what the server said; `code` says what happened. */
export const SmartAuthErrorCode = {
  /** The token endpoint answered with an OAuth error (see `error`, `errorDescription`, `status`). */
  TokenEndpoint: "token_endpoint_error",
  /** The token endpoint answered 2xx with a body that is not a usable token response. */
  InvalidTokenResponse: "invalid_token_response",
  /** The request never got an HTTP answer (connection refused/reset, DNS). */
  Network: "network_error",
  /** The request timed out (`timeoutMs`). */
  Timeout: "timeout",
  /** The caller's AbortSignal aborted the call or its wait; the signal's `reason` is the `cause`. */
  Aborted: "aborted",
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
  /** A discovered token endpoint is neither on the FHIR base's origin nor allowed (`allowedTokenEndpoints`); nothing was signed (SECURITY.md F11). */
  UntrustedTokenEndpoint: "untrusted_token_endpoint",
  /** A plain-http URL on a non-loopback host, without `allowInsecureRequests` (checklist 2.1). */
  InsecureUrl: "insecure_url",
  /** An `iss` or redirect URL longer than 8 KiB (MAX_URL_LENGTH), refused before any other check (issue 15). */
  UrlTooLong: "url_too_long",
  /** A response body over `maxResponseBytes` (default 1 MiB); the connection was dropped (issue 15). */
  ResponseTooLarge: "response_too_large",
  /** The id_token failed verification (signature, iss, aud, exp, nonce) (checklist 4.x, E18). */
  InvalidIdToken: "invalid_id_token",
  /** The server lacks what the operation needs (e.g. no introspection_endpoint, no jwks_uri). */
  UnsupportedByServer: "unsupported_by_server",
  /** Introspection or revocation failed. */
  Introspection: "introspection_error",
  Revocation: "revocation_error",
  /** The token store failed; the store's error is the `cause`. */
  TokenStore: "token_store_error",
  /** A launch start was refused: its session has too many pending launches, or the state store is full (F18). */
  LaunchLimit: "launch_limit",
  /** Another process held the refresh lock and no fresh token appeared within the lease. */
  RefreshLockTimeout: "refresh_lock_timeout",
  /** The refresh lease was lost before the refreshed token was stored; the token is kept in memory (SECURITY.md F10). */
  RefreshLeaseLost: "refresh_lease_lost",
  /** An AssertionSigner (e.g. a KMS) failed or returned a malformed signature; its error is the `cause`. */
  Signer: "signer_error",
} as const;
export type SmartAuthErrorCode = (typeof SmartAuthErrorCode)[keyof typeof SmartAuthErrorCode];

export interface SmartAuthErrorOptions {
  code: SmartAuthErrorCode;
  /** RFC 6749 §5.2 / §4.1.2.1 `error`. */
  error?: string | undefined;
  errorDescription?: string | undefined;
  errorUri?: string | undefined;
  status?: number | undefined;
  retryable?: boolean | undefined;
  cause?: unknown;
  /** The raw response, kept non-enumerable so it never lands in logs. */
  response?: Response | undefined;
}

/**
 * The error of every SMART flow. Messages and JSON never contain tokens, codes, verifiers, secrets or
 * assertions: only codes, OAuth error fields, statuses and URLs without their query.
 */
export class SmartAuthError extends Error {
  override name = "SmartAuthError";
  declare readonly code: SmartAuthErrorCode;
  declare readonly error: string | undefined;
  declare readonly errorDescription: string | undefined;
  declare readonly errorUri: string | undefined;
  declare readonly status: number | undefined;
  declare readonly retryable: boolean;
  declare readonly response: Response | undefined;

  constructor(
    message: string,
    { code, error, errorDescription, errorUri, status, retryable = false, cause, response }: SmartAuthErrorOptions,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    // only these fields are enumerable: they are what logs and JSON show
    Object.assign(this, { code, error, errorDescription, errorUri, status, retryable });
    Object.defineProperties(this, { response: { value: response }, [MARKER]: { value: true } });
  }

  /** True for a SmartAuthError from any copy of this package (a `Symbol.for` brand, not `instanceof`), with `code` when given. */
  static is(value: unknown): value is SmartAuthError;
  // a code narrows `code` on a match, and a miss still leaves a SmartAuthError a SmartAuthError
  static is<C extends SmartAuthErrorCode>(value: unknown, code: C): value is SmartAuthError & { readonly code: C };
  static is(value: unknown, code?: SmartAuthErrorCode): boolean {
    return (
      (value as Record<symbol, unknown> | null)?.[MARKER] === true &&
      (code === undefined || (value as SmartAuthError).code === code)
    );
  }

  toJSON(): Record<string, unknown> {
    return { ...(this as object), message: this.message };
  }
}

/** A SmartAuthError with `code` and nothing else. */
export const fail = (code: SmartAuthErrorCode, message: string) => new SmartAuthError(message, { code });

/** Misuse: a TypeError saying what `who` needs to be passed. */
export function needs(who: string, what: string): never {
  throw new TypeError(`${who} needs ${what}`);
}

/** `value` when it is a non-empty string; otherwise misuse. */
export function text(who: string, value: unknown, what: string): string {
  if (typeof value !== "string" || value === "") needs(who, what);
  return value as string;
}

/** The options object, with a `smartConfig` holding a token endpoint when `config` is set. */
export function requireOptions<T>(who: string, options: T): T {
  if (typeof options !== "object" || options === null) needs(who, "an options object");
  return options;
}

/** requireOptions, and a `smartConfig` with a token endpoint among them. */
export function requireOptionsWithConfig<T>(who: string, options: T): T {
  if (
    typeof requireOptions(who, options as object & T & { smartConfig?: { token_endpoint?: unknown } }).smartConfig
      ?.token_endpoint !== "string"
  ) {
    needs(who, "smartConfig (from discoverSmartConfiguration)");
  }
  return options;
}

/** A URL safe to print: origin and path, never the query (codes, states) or fragment (tokens). */
export function printableUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    return u.origin + u.pathname;
  } catch {
    return "(invalid URL)";
  }
}
