const MARKER = Symbol.for("@fhir-dsl/smart-discovery/DiscoveryError");

/** Stable codes of DiscoveryError. */
export const DiscoveryErrorCode = {
  /** The request did not get an HTTP response (DNS, refused connection, TLS, CORS); see `cause`. */
  Network: "discovery_network",
  /** No response within `timeoutMs`. */
  Timeout: "discovery_timeout",
  /** The server answered with a status outside 2xx; see `status`. */
  HttpStatus: "discovery_http_status",
  /** The body is not JSON (e.g. an HTML login or error page). */
  NotJson: "discovery_not_json",
  /** The JSON is not a usable smart-configuration; `field` names the offending member. */
  InvalidDocument: "discovery_invalid_document",
  /** Plain http to a host that is not loopback, without `allowInsecureRequests`. */
  InsecureUrl: "discovery_insecure_url",
  /** The FHIR base URL cannot be used: unparseable, not http(s), or with a query, fragment or credentials. */
  InvalidUrl: "discovery_invalid_url",
  /** The FHIR base URL is longer than MAX_URL_LENGTH (8 KiB): refused before parsing it. */
  UrlTooLong: "discovery_url_too_long",
  /** The body is larger than `maxResponseBytes` (default 1 MiB): the connection was dropped. */
  ResponseTooLarge: "discovery_response_too_large",
  /** Legacy discovery: the CapabilityStatement was redirected outside the FHIR base (SECURITY.md F23). */
  UntrustedRedirect: "discovery_untrusted_redirect",
} as const;
export type DiscoveryErrorCode = (typeof DiscoveryErrorCode)[keyof typeof DiscoveryErrorCode];

export interface DiscoveryErrorOptions {
  code: DiscoveryErrorCode;
  /** The discovery URL (or, for InvalidUrl, the FHIR base as given). */
  url: string;
  status?: number;
  field?: string;
  response?: Response;
  cause?: unknown;
  /** Default true for `discovery_network`, `discovery_timeout` and HTTP 5xx/429. */
  retryable?: boolean;
}

/**
 * Raised when `.well-known/smart-configuration` cannot be fetched, parsed or trusted. The message names the
 * URL, the status and the field, never the response body; the raw Response is kept non-enumerable.
 */
export class DiscoveryError extends Error {
  override name = "DiscoveryError";
  declare readonly code: DiscoveryErrorCode;
  declare readonly url: string;
  declare readonly status?: number;
  declare readonly field?: string;
  declare readonly response?: Response;
  /** Whether the same request may succeed later (no answer, a broken-off body, a timeout, 5xx or 429). */
  declare readonly retryable: boolean;

  constructor(message: string, { code, url, status, field, response, cause, retryable }: DiscoveryErrorOptions) {
    super(message, cause === undefined ? undefined : { cause });
    retryable ??=
      code === DiscoveryErrorCode.Network ||
      code === DiscoveryErrorCode.Timeout ||
      (code === DiscoveryErrorCode.HttpStatus && (status! >= 500 || status === 429));
    Object.assign(this, { code, url, status, field, retryable });
    // Not enumerable, so the body never reaches a log or JSON
    Object.defineProperties(this, { response: { value: response }, [MARKER]: { value: true } });
  }

  /** True for a DiscoveryError from any copy of this package (a `Symbol.for` brand, not `instanceof`), with `code` when given. */
  static is(value: unknown): value is DiscoveryError;
  // a code narrows `code` on a match, and a miss still leaves a DiscoveryError a DiscoveryError
  static is<C extends DiscoveryErrorCode>(value: unknown, code: C): value is DiscoveryError & { readonly code: C };
  static is(value: unknown, code?: DiscoveryErrorCode): boolean {
    return (
      (value as Record<symbol, unknown> | null)?.[MARKER] === true &&
      (code === undefined || (value as DiscoveryError).code === code)
    );
  }

  // Own enumerable fields (name, code, url, status, field) plus the message; response and cause are not enumerable
  toJSON(): Record<string, unknown> {
    return { ...(this as object), message: this.message };
  }
}
