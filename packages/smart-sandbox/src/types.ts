/**
 * A JSON Web Key (RFC 7517). Declared here rather than imported from jose so that CommonJS
 * TypeScript users (module node16) can read these types: jose is ESM-only.
 */
export interface JWK {
  kty?: string;
  kid?: string;
  alg?: string;
  use?: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  d?: string;
  [member: string]: unknown;
}

/** Options of {@link startSandbox}. Every member is optional. */
export interface SandboxOptions {
  /** TCP port; default 0 (a free port). */
  port?: number;
  /** Interface to bind; only loopback is supported. */
  host?: "127.0.0.1";
  /** Path of the FHIR base; default "/fhir". */
  fhirBasePath?: string;
  /** Lifetime of access tokens in seconds; default 300. */
  accessTokenLifetimeSeconds?: number;
  /** Lifetime of refresh tokens in seconds; default 86400. */
  refreshTokenLifetimeSeconds?: number;
  /** Default context for launches (merged over the built-in default). */
  launchContext?: Partial<LaunchContext>;
  /** Clients registered at start. */
  clients?: ClientRegistration[];
  /** A fixed RS256 private JWK for id_tokens; otherwise one key is generated once per process. */
  signingKey?: JWK;
  /** Receives one line per refused request (error and error_detail, never a token). */
  logger?: (line: string) => void;
  /**
   * How the server declares its endpoints. `"well-known"` (default): `.well-known/smart-configuration`, and the
   * oauth-uris extension in `metadata` as well. `"legacy"`: a SMART v1 server, only the CapabilityStatement
   * (oauth-uris and capabilities extensions); `.well-known/smart-configuration` answers 404.
   */
  discovery?: "well-known" | "legacy";
}

/** A SMART `fhirContext` item (SMART 2.2 scopes-and-launch-context.html#fhircontext). */
export interface FhirContextItem {
  reference?: string;
  canonical?: string;
  identifier?: unknown;
  type?: string;
  role?: string;
}

/** The launch context returned beside the access token. */
export interface LaunchContext {
  patient?: string;
  encounter?: string;
  fhirContext?: FhirContextItem[];
  need_patient_banner?: boolean;
  smart_style_url?: string;
  intent?: string;
  tenant?: string;
  /** e.g. "Practitioner/practitioner-1" or "Patient/patient-1"; goes into the id_token (absolute URL). */
  fhirUser?: string;
}

export type TokenEndpointAuthMethod = "none" | "client_secret_basic" | "client_secret_post" | "private_key_jwt";

export type SandboxGrantType = "authorization_code" | "refresh_token" | "client_credentials";

/** A client the sandbox accepts. */
export interface ClientRegistration {
  clientId: string;
  clientSecret?: string;
  /** Public keys, for private_key_jwt. */
  jwks?: { keys: JWK[] };
  jwksUri?: string;
  redirectUris?: string[];
  /** Maximum scopes this client may get (space separated); default: all supported. */
  scope?: string;
  /** Default: private_key_jwt when jwks/jwksUri given, client_secret_basic when clientSecret given, else none. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /**
   * Browser origins (`https://app.example`) whose pages may call the token, introspection and revocation
   * endpoints (CORS). Default: the origins of `redirectUris` for a public client (`none`), none otherwise.
   */
  allowedOrigins?: string[];
  /** Default: client_credentials for a key-only client without redirect URIs, else authorization_code + refresh_token (+ client_credentials when confidential). */
  grantTypes?: SandboxGrantType[];
}

/** Switches that make the sandbox misbehave on purpose. */
export interface SandboxFaults {
  /** Every token response is delayed by `ms`. */
  delayTokenMs(ms: number): void;
  /**
   * Every `refresh_token` grant is processed at once (the refresh token presented is spent and a rotated
   * one issued) and its response held for `ms`: a token endpoint slower than a client's refresh lease.
   */
  delayRefreshMs(ms: number): void;
  /** The next `count` token requests fail with an OAuth JSON error body (default status 503). */
  failTokenRequests(count: number, status?: number): void;
  /** The next `count` token requests get an HTML error page (checklist E8), default status 502. */
  failTokenRequestsWithHtml(count: number, status?: number): void;
  /** The next `count` token requests: the socket is destroyed with no response. */
  resetConnections(count: number): void;
  /** The next refresh_token grant answers 400 invalid_grant. */
  invalidGrantOnNextRefresh(): void;
  /** Granted scope = requested ∩ this (exact strings); undefined turns it off. */
  narrowScope(scope: string | undefined): void;
  /** Leave `scope` out of token responses (checklist E1). */
  omitScopeInTokenResponse(on: boolean): void;
  /** Leave `expires_in` out of token responses (checklist E2). */
  omitExpiresIn(on: boolean): void;
  /** Send `expires_in` as a string such as "3600" (checklist E2, E23). */
  expiresInAsString(on: boolean): void;
  /** Override `token_type`, e.g. "bearer" (checklist E13); undefined restores "Bearer". */
  tokenType(value: string | undefined): void;
  /** The next authorization redirects with ?error=... (default access_denied) and the state. */
  denyNextAuthorization(error?: string): void;
  /** Lifetime of access tokens issued from now on. */
  setAccessTokenLifetime(seconds: number): void;
  /** Turn every fault off and restore the configured lifetimes. */
  reset(): void;
}

/** Counters tests can assert on. */
export interface SandboxStats {
  /** All POSTs to the token endpoint, failed ones included. */
  tokenRequests: number;
  /** Token requests by grant_type. */
  tokenRequestsByGrant: Record<string, number>;
  /** Successful token responses. */
  tokensIssued: number;
  /** Requests to the FHIR base (metadata and smart-configuration excluded). */
  fhirRequests: number;
  introspections: number;
  revocations: number;
  /**
   * Grants revoked because a refresh token already rotated away was presented again (oidc-provider's
   * reuse detection, RFC 9700 section 4.14.2): the whole grant, every token of it, ends.
   */
  grantsRevokedByReuse: number;
  reset(): void;
}

export interface AuthorizeInit {
  method?: "GET" | "POST";
  body?: URLSearchParams;
}

/** A running sandbox. */
export interface Sandbox {
  /** Origin, http://127.0.0.1:PORT */
  url: string;
  /** http://127.0.0.1:PORT/fhir (no trailing slash) */
  fhirBaseUrl: string;
  /** The OAuth issuer, http://127.0.0.1:PORT/auth */
  issuer: string;
  tokenEndpoint: string;
  authorizationEndpoint: string;
  jwksUri: string;
  introspectionEndpoint: string;
  revocationEndpoint: string;
  /** URL of the EHR launch simulator (GET with ?app=<launch URL>). */
  ehrLaunchEndpoint: string;
  registerClient(client: ClientRegistration): Promise<void>;
  /** Default context for later launches (merged over the current default). */
  setLaunchContext(context: Partial<LaunchContext>): void;
  /** Returns an opaque `launch` id bound to that context (merged over the default). */
  createLaunch(context?: Partial<LaunchContext>): string;
  /** GET it: 302 to appLaunchUrl?iss=<fhirBaseUrl>&launch=<id>. */
  ehrLaunchUrl(appLaunchUrl: string, context?: Partial<LaunchContext>): string;
  /**
   * Plays the browser's part (own cookie jar, no UI) and returns the final redirect URL to the
   * app's redirect_uri (not fetched), carrying ?code=&state= or ?error=&state=.
   * Throws SandboxError when the server answers with an error page instead.
   */
  authorize(authorizeUrl: string | URL, init?: AuthorizeInit): Promise<URL>;
  faults: SandboxFaults;
  stats: SandboxStats;
  close(): Promise<void>;
}
