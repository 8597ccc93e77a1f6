/** `.well-known/smart-configuration` (SMART 2.2 conformance.html#metadata); unknown members are kept. */
export interface SmartConfiguration {
  /** OpenID Connect issuer; required when `sso-openid-connect` is listed, compared byte for byte with id_token `iss`. */
  issuer?: string;
  jwks_uri?: string;
  /** Required when `launch-ehr` or `launch-standalone` is listed. */
  authorization_endpoint?: string;
  token_endpoint: string;
  token_endpoint_auth_methods_supported?: string[];
  token_endpoint_auth_signing_alg_values_supported?: string[];
  /** Required by the spec; defaulted from the capabilities when a server leaves it out (unless `strict`). */
  grant_types_supported: string[];
  registration_endpoint?: string;
  /** Not exhaustive: never treat it as an allow-list. */
  scopes_supported?: string[];
  response_types_supported?: string[];
  management_endpoint?: string;
  introspection_endpoint?: string;
  revocation_endpoint?: string;
  capabilities: string[];
  /** Always contains `S256`, the only method this library uses. */
  code_challenge_methods_supported: string[];
  user_access_brand_bundle?: string;
  user_access_brand_identifier?: string;
  /** Experimental in SMART 2.2. */
  associated_endpoints?: { url: string; capabilities: string[] }[];
  /** Experimental and deprecated in SMART 2.2. */
  smart_app_state_endpoint?: string;
  /**
   * Set by this library (never taken from a server) when the endpoints come from the CapabilityStatement's
   * oauth-uris extension (SMART v1) because .well-known/smart-configuration answered 404: then only the
   * endpoints and any declared capabilities are known (no issuer, jwks_uri, auth methods or scopes), and
   * `code_challenge_methods_supported` is assumed, not declared.
   */
  legacy?: true;
  [key: string]: unknown;
}

/** SMART 2.2 conformance.html#capabilities */
export type SmartCapability =
  | "launch-ehr"
  | "launch-standalone"
  | "authorize-post"
  | "client-public"
  | "client-confidential-symmetric"
  | "client-confidential-asymmetric"
  | "sso-openid-connect"
  | "context-banner"
  | "context-style"
  | "context-ehr-patient"
  | "context-ehr-encounter"
  | "context-standalone-patient"
  | "context-standalone-encounter"
  | "permission-offline"
  | "permission-online"
  | "permission-patient"
  | "permission-user"
  | "permission-v1"
  | "permission-v2"
  | "smart-app-state";

/** SMART 2.2 conformance.html#capability-sets */
export type CapabilitySet =
  | "patient-access-standalone"
  | "patient-access-ehr"
  | "clinician-access-standalone"
  | "clinician-access-ehr";

export interface ValidateOptions {
  /** Refuse what the spec forbids but real servers send: no `grant_types_supported`, `plain`, relative URLs, nulls. Default false. */
  strict?: boolean;
  /** Allow plain-http endpoint URLs on hosts that are not loopback. Default false. */
  allowInsecureRequests?: boolean;
}

export interface DiscoveryOptions extends ValidateOptions {
  /** Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Aborts this caller's wait; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Default 10 000 ms; a DiscoveryError with code `discovery_timeout` when it fires. */
  timeoutMs?: number;
  /** Default true: a module-level cache keyed by discovery URL, shared by concurrent callers. */
  cache?: boolean;
  /** Default 300 000 ms. */
  ttlMs?: number;
  /** Clock for the TTL, default `Date.now`. */
  now?: () => number;
  /**
   * When .well-known/smart-configuration answers 404 (only 404), read the endpoints from `{fhirBase}/metadata`
   * (SMART v1 oauth-uris extension) and mark the result `legacy: true`. Default true, false with `strict`.
   */
  legacyDiscovery?: boolean;
  /** Largest body read, in bytes (default 1 MiB; Infinity for none): a larger one is a `discovery_response_too_large` DiscoveryError. */
  maxResponseBytes?: number;
}
