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
}

/**
 * Raised when `.well-known/smart-configuration` cannot be fetched, parsed or trusted. The message names the
 * URL, the status and the field, never the response body; the raw Response is kept non-enumerable.
 */
export class DiscoveryError extends Error {
  override name = "DiscoveryError";
  readonly code: DiscoveryErrorCode;
  readonly url: string;
  readonly status?: number;
  readonly field?: string;
  declare readonly response?: Response;

  constructor(message: string, options: DiscoveryErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.url = options.url;
    if (options.status !== undefined) this.status = options.status;
    if (options.field !== undefined) this.field = options.field;
    Object.defineProperty(this, "response", { value: options.response, enumerable: false });
    Object.defineProperty(this, MARKER, { value: true });
  }

  /** True for a DiscoveryError from any copy of this package. */
  static is(value: unknown): value is DiscoveryError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, url: this.url, status: this.status, field: this.field, message: this.message };
  }
}
