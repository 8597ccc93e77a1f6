import { ScopeSet } from '@fhir-dsl/smart-scopes';
export * from '@fhir-dsl/smart-scopes';
export * from '@fhir-dsl/smart-pkce';
import { DiscoveryOptions, SmartConfiguration } from '@fhir-dsl/smart-discovery';
export { CapabilitySet, DiscoveryError, DiscoveryErrorCode, DiscoveryOptions, SmartCapability, SmartConfiguration, capabilitySets, clearDiscoveryCache, hasCapability, smartConfigurationUrl, validateSmartConfiguration } from '@fhir-dsl/smart-discovery';
import { TokenStore, StoredToken, TokenResponse, FhirContextEntry } from '@fhir-dsl/token-store';
export { FhirContextEntry, InMemoryTokenStore, LockingTokenStore, StoredToken, TokenLock, TokenResponse, TokenStore, TokenStoreError, TokenStoreErrorCode, hasLock, isStale, toStoredToken } from '@fhir-dsl/token-store';

/**
 * `GET {fhirBase}/.well-known/smart-configuration`, validated and cached (see @fhir-dsl/smart-discovery);
 * the result remembers its FHIR base for the clients built from it.
 */
declare function discoverSmartConfiguration(fhirBaseUrl: string | URL, options?: DiscoveryOptions): Promise<SmartConfiguration>;
/** The FHIR base `config` was discovered from, if it came from discoverSmartConfiguration. */
declare function fhirBaseOf(config: SmartConfiguration): string | undefined;

/** Stable codes of SmartAuthError. `error` (RFC 6749) says what the server said; `code` says what happened. */
declare const SmartAuthErrorCode: {
    /** The token endpoint answered with an OAuth error (see `error`, `errorDescription`, `status`). */
    readonly TokenEndpoint: "token_endpoint_error";
    /** The token endpoint answered 2xx with a body that is not a usable token response. */
    readonly InvalidTokenResponse: "invalid_token_response";
    /** The request never got an HTTP answer (connection refused/reset, DNS). */
    readonly Network: "network_error";
    /** The request timed out (`timeoutMs`) or was aborted. */
    readonly Timeout: "timeout";
    /** The grant is gone (`invalid_grant` on refresh, or no refresh token): the user must authorize again. */
    readonly ReauthorizationRequired: "reauthorization_required";
    /** The authorization redirect carried `error` (e.g. `access_denied`). */
    readonly AuthorizationDenied: "authorization_denied";
    /** The redirect's `state` is missing, unknown, expired or already used (checklist 2.3, E12). */
    readonly InvalidState: "invalid_state";
    /** The redirect has neither `code` nor `error`, or is otherwise malformed (E9). */
    readonly InvalidCallback: "invalid_callback";
    /** An EHR launch `iss` is not on the allow-list (E15). */
    readonly UntrustedIssuer: "untrusted_issuer";
    /** A plain-http URL on a non-loopback host, without `allowInsecureRequests` (checklist 2.1). */
    readonly InsecureUrl: "insecure_url";
    /** The id_token failed verification (signature, iss, aud, exp, nonce) (checklist 4.x, E18). */
    readonly InvalidIdToken: "invalid_id_token";
    /** The server lacks what the operation needs (e.g. no introspection_endpoint, no jwks_uri). */
    readonly UnsupportedByServer: "unsupported_by_server";
    /** Introspection or revocation failed. */
    readonly Introspection: "introspection_error";
    readonly Revocation: "revocation_error";
    /** The token store failed; the store's error is the `cause`. */
    readonly TokenStore: "token_store_error";
    /** Another process held the refresh lock and no fresh token appeared within the lease. */
    readonly RefreshLockTimeout: "refresh_lock_timeout";
};
type SmartAuthErrorCode = (typeof SmartAuthErrorCode)[keyof typeof SmartAuthErrorCode];
interface SmartAuthErrorOptions {
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
declare class SmartAuthError extends Error {
    name: string;
    readonly code: SmartAuthErrorCode;
    readonly error: string | undefined;
    readonly errorDescription: string | undefined;
    readonly errorUri: string | undefined;
    readonly status: number | undefined;
    readonly retryable: boolean;
    readonly response: Response | undefined;
    constructor(message: string, { code, error, errorDescription, errorUri, status, retryable, cause, response }: SmartAuthErrorOptions);
    /** True for a SmartAuthError from any copy of this package. */
    static is(value: unknown): value is SmartAuthError;
    toJSON(): Record<string, unknown>;
}

/**
 * The AuthProvider contract of `@fhir-dsl/core`, declared structurally (core is not a dependency):
 * anything that satisfies it plugs into `createFhirClient({ auth })`. Core calls `onUnauthorized` on a
 * 401 and retries the request once.
 */
interface AuthRequest {
    url: string;
    method: string;
}
interface AuthProvider {
    getAuthorization(req: AuthRequest): Promise<string | undefined> | string | undefined;
    onUnauthorized?(): Promise<void> | void;
}

interface AuthorizedFetchOptions {
    /** The fetch to wrap; default `globalThis.fetch`. */
    fetch?: typeof fetch;
    /** Redirects followed by hand, re-deciding the token per hop (default 5). */
    maxRedirects?: number;
}
/**
 * A `fetch` that adds the provider's token to requests under its FHIR base, never to any other URL,
 * redirects included (checklist E21); on a 401 it calls `onUnauthorized` and retries once (E20).
 */
declare function createAuthorizedFetch(auth: AuthProvider, options?: AuthorizedFetchOptions): typeof fetch;

/** Signing algorithms SMART asymmetric clients use (client-confidential-asymmetric.html#signature-verification). */
type AssertionAlg = "RS384" | "ES384";
/** How the client authenticates at the token endpoint: the same method for code exchange and refresh. */
type ClientAuthentication = {
    method: "none";
} | {
    method: "client_secret_basic";
    clientSecret: string;
    /**
     * `raw` (default) sends base64(`id:secret`) as the SMART IG example and Inferno do; `form-urlencoded`
     * encodes both first as RFC 6749 §2.3.1 says. They differ only for ids/secrets with `:`, `%`, `+`,
     * non-ASCII and similar (checklist E16).
     */
    basicEncoding?: "raw" | "form-urlencoded";
} | {
    method: "client_secret_post";
    clientSecret: string;
} | {
    method: "private_key_jwt";
    /** A WebCrypto private key (e.g. from jose's `importPKCS8(pem, alg)`) or a private JWK. */
    privateKey: CryptoKey | JsonWebKey;
    alg: AssertionAlg;
    /** `kid` header: must match the key registered in the client's JWKS (E17). */
    kid?: string;
    /** `jku` header: the registered JWKS URL, exactly (client-confidential-asymmetric.html). */
    jku?: string;
    /** Assertion lifetime in seconds, at most 300 (default 240, leaving room for clock skew, E4). */
    assertionLifetimeSeconds?: number;
};
/** The shorthand options flows accept besides `clientAuth`. */
interface ClientAuthShorthand {
    clientAuth?: ClientAuthentication;
    clientSecret?: string;
    privateKey?: CryptoKey | JsonWebKey;
    alg?: AssertionAlg;
    kid?: string;
    jku?: string;
}

/** Transport options every flow accepts. */
interface TransportOptions {
    /** Custom fetch (tests, proxies); default `globalThis.fetch`. */
    fetch?: typeof fetch;
    /** Per-request timeout in ms; default 10 000. */
    timeoutMs?: number;
    /**
     * Allow plain `http:` to hosts that are not loopback. Off by default: tokens and secrets go only to
     * TLS servers (SMART 2.2 app-launch.html#app-protection); loopback http (the sandbox) is always allowed.
     */
    allowInsecureRequests?: boolean;
}

interface BackendServicesAuthOptions extends TransportOptions {
    /** The FHIR base URL (the token's audience); discovery runs against it. `fhirBaseUrl` is an alias. */
    issuer?: string;
    fhirBaseUrl?: string;
    /** A configuration already discovered; skips discovery. */
    smartConfig?: SmartConfiguration;
    /** The token endpoint, to skip discovery entirely. */
    tokenEndpoint?: string;
    clientId: string;
    /** Space-separated `system/` scopes, e.g. `system/Patient.rs`. */
    scope: string;
    /** Private key for the client assertion: a CryptoKey (e.g. jose's `importPKCS8(pem, alg)`) or a private JWK. */
    privateKey?: CryptoKey | JsonWebKey;
    alg?: AssertionAlg;
    kid?: string;
    jku?: string;
    /** Instead of privateKey/alg/kid (SMART Backend Services requires private_key_jwt). */
    clientAuth?: ClientAuthentication;
    /** Where tokens are kept; default a new InMemoryTokenStore. */
    tokenStore?: TokenStore;
    /** Store key; default derived from token endpoint, client id and scope set (checklist E24). */
    storeKey?: string;
    /** Renew this long before expiry (default 60 s, at most a quarter of the lifetime). */
    refreshMarginMs?: number;
    /** Cross-process lock lease (default 30 s). */
    leaseMs?: number;
    /** Clock in epoch ms (default Date.now). */
    now?: () => number;
    /** Retries on 5xx/429/timeouts with backoff (default 2). */
    maxRetries?: number;
    /**
     * Sees each failure of the token store (a `token_store_error` SmartAuthError, its cause the store's
     * error; no token in it). A store outage does not stop Backend Services: tokens are fetched and served
     * without the store (one token request per process instead of per fleet) until it is back.
     */
    onStoreError?: (error: SmartAuthError) => void;
}
/**
 * SMART Backend Services (client_credentials + private_key_jwt), as an AuthProvider: a token per
 * (token endpoint, client, scope set), cached in memory, renewed ahead of expiry, one request for all
 * concurrent callers, and with a locking store one request for a whole fleet.
 * https://hl7.org/fhir/smart-app-launch/backend-services.html
 */
declare class BackendServicesAuth implements AuthProvider {
    #private;
    readonly fhirBaseUrl: string;
    readonly clientId: string;
    readonly scope: string;
    constructor(options: BackendServicesAuthOptions);
    /** `Bearer …` for URLs under the FHIR base, `undefined` for any other URL (E21). Synchronous when cached. */
    getAuthorization(req: AuthRequest): Promise<string | undefined> | string | undefined;
    /** Called by a FHIR client on a 401: the next call gets a new token (once, E20). */
    onUnauthorized(): void;
    /** A fresh access token. */
    getAccessToken(): Promise<string>;
    /** The whole stored token (scope, expires_at, ...), fresh. */
    getToken(): Promise<StoredToken>;
    /** The scopes the server granted (checklist E1), or undefined before the first token. */
    get grantedScopes(): ScopeSet | undefined;
    /** A fetch that carries this provider's token (see createAuthorizedFetch). */
    get fetch(): typeof fetch;
    /** Forget the cached token (memory and store). */
    clear(): Promise<void>;
}

/** Options of buildAuthorizeUrl / buildAuthorizeRequest (SMART 2.2 app-launch.html#request-4). */
interface AuthorizeUrlOptions {
    smartConfig: SmartConfiguration;
    clientId: string;
    /** A redirect URI registered with the server, exactly. */
    redirectUri: string;
    /** Space-separated scopes; `launch` is added when `launch` is given (checklist 2.16). */
    scope: string;
    /** Unguessable, single-use (e.g. generateState()); at least 16 characters. */
    state: string;
    /** The S256 challenge of the code verifier (codeChallengeS256); `plain` is never used. */
    codeChallenge: string;
    /** The FHIR base URL, sent exactly as given (E6); for an EHR launch the received `iss`. */
    aud: string;
    /** The opaque `launch` of an EHR launch, echoed unchanged; omit for a standalone launch. */
    launch?: string;
    /** OpenID Connect nonce; send one whenever `openid` is requested (e.g. generateNonce()). */
    nonce?: string;
    /** More parameters (e.g. `prompt`); they can never replace the ones above (TypeError). */
    extraParams?: Record<string, string>;
    /** Allow a plain-http authorization endpoint on a non-loopback host. */
    allowInsecureRequests?: boolean;
}
type AuthorizeRequest = {
    method: "GET";
    url: string;
} | {
    method: "POST";
    url: string;
    form: Record<string, string>;
};
interface AuthorizeRequestOptions extends AuthorizeUrlOptions {
    /**
     * `auto` (default) uses POST when the server lists `authorize-post` and the GET URL would be longer
     * than `maxUrlLength` (checklist 2.31); `GET` / `POST` force one.
     */
    method?: "auto" | "GET" | "POST";
    /** Longest GET URL `auto` accepts; default 2000 characters. */
    maxUrlLength?: number;
}
/**
 * The authorization URL for the browser redirect: `response_type=code`, PKCE S256, `aud` exactly as
 * given, `launch` (with the `launch` scope) for an EHR launch; query parameters already in the
 * authorization endpoint are kept (E9) unless they name a protocol parameter, which we set.
 */
declare function buildAuthorizeUrl(options: AuthorizeUrlOptions): string;
/**
 * The authorization request as GET or, for servers listing `authorize-post`, as a form POST when the
 * URL would be long (SMART 2.2 scopes-and-launch-context.html#scope-size-over-the-wire). A POST goes
 * to the endpoint URL with its own query kept; render it with renderAuthorizeForm.
 */
declare function buildAuthorizeRequest(options: AuthorizeRequestOptions): AuthorizeRequest;
interface AuthorizeFormOptions {
    /** CSP nonce for the inline auto-submit script. */
    cspNonce?: string;
    /** Text of the fallback button shown without JavaScript. */
    buttonText?: string;
}
/**
 * A minimal HTML page that POSTs the authorization request (checklist 2.30): every value escaped,
 * submitted by script, with a button for browsers without JavaScript. Serve it with `Cache-Control: no-store`.
 */
declare function renderAuthorizeForm(request: AuthorizeRequest, options?: AuthorizeFormOptions): string;

/** Claims of a verified id_token. `fhirUser` is as the server sent it (see resolveFhirUser). */
interface IdTokenClaims {
    iss: string;
    sub: string;
    aud: string | string[];
    exp: number;
    iat: number;
    nonce?: string;
    azp?: string;
    fhirUser?: string;
    /** Pre-2.0 servers sent `profile` instead of `fhirUser` (checklist 3.21). */
    profile?: string;
    [claim: string]: unknown;
}
interface VerifyIdTokenOptions extends TransportOptions {
    /** Must carry `issuer` and `jwks_uri` (listed with `sso-openid-connect`). */
    smartConfig: SmartConfiguration;
    clientId: string;
    /** The nonce sent in the authorization request; when given, the claim must equal it, else it must be absent. */
    nonce?: string;
    /** Leeway for `exp`/`nbf`, in seconds (default 60, as Inferno). */
    clockToleranceSeconds?: number;
    /** Accepted signature algorithms; default RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 (never none or HS*). */
    algorithms?: string[];
    /** Clock in epoch ms (default Date.now). */
    now?: () => number;
    /** Skip the `exp` check: for re-checking a stored id_token's signature after a restart. */
    ignoreExpiry?: boolean;
}
/**
 * Verify an id_token (OIDC Core §3.1.3.7, SMART 2.2 scopes-and-launch-context.html#scopes-for-requesting-identity-data)
 * with oauth4webapi: signature with a key from `jwks_uri` chosen by `kid`, `iss` equal to the
 * configuration's `issuer` exactly (E6), `aud` containing the client id and `azp` when there are several
 * audiences (E18), `exp` within the leeway, `nonce` when one was sent. `alg: none` and HMAC are never accepted.
 */
declare function verifyIdToken(idToken: string, options: VerifyIdTokenOptions): Promise<IdTokenClaims>;
/** `fhirUser` (or legacy `profile`) as an absolute URL: a relative one resolves against the FHIR base (E18, checklist 3.23). */
declare function resolveFhirUser(claims: IdTokenClaims | undefined, fhirBaseUrl: string | undefined): string | undefined;

interface ExchangeCodeOptions extends ClientAuthShorthand, TransportOptions {
    smartConfig: SmartConfiguration;
    clientId: string;
    /** The redirect URI of the authorization request, identical (checklist 2.38). */
    redirectUri: string;
    /** The `code` of the redirect; exchanged once, never replayed (E9). */
    code: string;
    /** The PKCE verifier whose S256 challenge was sent (checklist 2.39). */
    codeVerifier: string;
    /** The nonce sent in the authorization request, checked against the id_token. */
    nonce?: string;
    /**
     * Verify an id_token in the response (default true): a bad one fails the exchange. Without
     * `issuer`/`jwks_uri` in the configuration it stays unverified and its `fhirUser` is not exposed.
     */
    verifyIdToken?: boolean;
    /** Leeway for id_token `exp`/`iat` in seconds (default 60). */
    clockToleranceSeconds?: number;
    /** Clock in epoch ms (default Date.now): `expires_at` is computed from the receipt time. */
    now?: () => number;
}
/**
 * Exchange an authorization code for tokens (SMART 2.2 app-launch.html#obtain-access-token) as a
 * public client (client_id in the body), a symmetric one (`clientSecret`: Basic by default, or
 * `clientAuth: { method: "client_secret_post", ... }`) or an asymmetric one (`privateKey` + `alg` +
 * `kid`, a private_key_jwt assertion). Returns the StoredToken with an absolute `expires_at`.
 */
declare function exchangeCode(options: ExchangeCodeOptions): Promise<StoredToken>;

/** Options shared by introspectToken and revokeToken. */
interface TokenEndpointCallOptions extends ClientAuthShorthand, TransportOptions {
    smartConfig: SmartConfiguration;
    clientId: string;
    /** The token to introspect or revoke. */
    token: string;
    tokenTypeHint?: "access_token" | "refresh_token";
    /** Clock for assertions (default Date.now). */
    now?: () => number;
}
interface IntrospectTokenOptions extends TokenEndpointCallOptions {
    /** A bearer token for an introspection endpoint protected by SMART authorization (checklist 8.2). */
    bearerToken?: string;
}
/** RFC 7662 response: `active` always; the rest only for active tokens (E22). */
interface IntrospectionResult {
    active: boolean;
    scope?: string;
    client_id?: string;
    /** Epoch seconds. */
    exp?: number;
    sub?: string;
    iss?: string;
    patient?: string;
    encounter?: string;
    fhirUser?: string;
    [claim: string]: unknown;
    /** `scope` parsed (empty for an inactive token): compare grants as sets, not strings (E22). */
    scopes: ScopeSet;
}
/**
 * RFC 7662 token introspection (SMART 2.2 token-introspection.html) with the client's own
 * authentication, or a bearer token when the endpoint wants one. Lenient about `active:false`
 * with no other member (E22).
 */
declare function introspectToken(options: IntrospectTokenOptions): Promise<IntrospectionResult>;

interface SmartClientOptions extends ClientAuthShorthand, TransportOptions {
    smartConfig: SmartConfiguration;
    clientId: string;
    /** The token response (from exchangeCode, or a StoredToken); a persisted `expires_at` is kept. */
    tokens: StoredToken | TokenResponse;
    /** Where the session lives; default a new InMemoryTokenStore. A store needs `storeKey`. */
    tokenStore?: TokenStore;
    /** This session's key in the store, e.g. `smart:${userId}`. */
    storeKey?: string;
    /** The FHIR base the token is for (its `aud`); default: the base `smartConfig` was discovered from. */
    fhirBaseUrl?: string;
    /** The scope that was requested: stands in, marked unconfirmed, when the server sent no `scope` (E1). */
    requestedScope?: string;
    /** Clock in epoch ms (default Date.now). */
    now?: () => number;
    /** Refresh this long before expiry (default 60 s, at most a quarter of the lifetime). */
    refreshMarginMs?: number;
    /** Cross-process refresh lock lease (default 30 s). */
    leaseMs?: number;
    /** Retries of a refresh answered 503/429 (default 2). */
    maxRetries?: number;
    /** Leeway for id_token `exp`/`iat` in seconds (default 60). */
    clockToleranceSeconds?: number;
}
interface SmartClientRestoreOptions extends Omit<SmartClientOptions, "tokens" | "tokenStore" | "storeKey"> {
    tokenStore: TokenStore;
    storeKey: string;
    /** Re-check the stored id_token's signature, iss and aud before exposing fhirUser (default true). */
    verifyIdToken?: boolean;
}
/**
 * A launched SMART app session as an AuthProvider (SMART 2.2 app-launch.html): the bearer token for
 * URLs under its FHIR base only (E21), refreshed ahead of expiry once for all callers and, with a
 * locking store, once per fleet; the same client authentication for refresh as for the exchange;
 * launch context, granted scopes and the verified user.
 */
declare class SmartClient implements AuthProvider {
    #private;
    readonly smartConfig: SmartConfiguration;
    readonly clientId: string;
    readonly fhirBaseUrl: string;
    constructor(options: SmartClientOptions);
    /**
     * Load a session persisted in `tokenStore` (after a restart): the stored absolute `expires_at` is
     * kept, never re-dated. Resolves to undefined when nothing is stored under `storeKey`.
     */
    static restore(options: SmartClientRestoreOptions): Promise<SmartClient | undefined>;
    /** `Bearer …` for URLs under the FHIR base, undefined for any other URL (E21); synchronous while fresh. */
    getAuthorization(req: AuthRequest): Promise<string | undefined> | string | undefined;
    /** Called on a 401: the next request refreshes once (E20). */
    onUnauthorized(): void;
    /** A fresh access token (refreshed if needed). */
    getAccessToken(): Promise<string>;
    /** The whole current token, refreshed if needed. */
    getToken(): Promise<StoredToken>;
    /** Refresh now, whatever the expiry (needs a refresh token). */
    refresh(): Promise<StoredToken>;
    /** Revoke the refresh and access tokens at the server, then forget the session (memory and store). */
    revoke(): Promise<void>;
    /**
     * End the session: revoke at the server when it has a revocation endpoint, and always forget the
     * session locally; a revocation failure is rethrown after the local clear.
     */
    logout(): Promise<void>;
    /** Introspect the current access token (checklist 8). */
    introspect(): Promise<IntrospectionResult>;
    /**
     * Verify the current id_token now (e.g. for tokens that did not come from exchangeCode); on
     * success `fhirUser` and `idTokenClaims` are exposed.
     */
    verifyIdToken(options?: {
        nonce?: string;
        ignoreExpiry?: boolean;
    }): Promise<IdTokenClaims>;
    /** A fetch that carries this session's token to its FHIR base only (see createAuthorizedFetch). */
    get fetch(): typeof fetch;
    /** The current token as held in memory (may be stale; getToken() refreshes). */
    get token(): StoredToken | undefined;
    get patientId(): string | undefined;
    get encounterId(): string | undefined;
    /** Launch context objects (pre-2.1 string items become `{ reference }`) (E14). */
    get fhirContext(): FhirContextEntry[];
    get needPatientBanner(): boolean | undefined;
    get smartStyleUrl(): string | undefined;
    get intent(): string | undefined;
    get tenant(): string | undefined;
    /** The user's FHIR resource URL, only from a verified id_token; relative values resolve against the FHIR base (E18). */
    get fhirUser(): string | undefined;
    /** Claims of the verified id_token, if one was verified. */
    get idTokenClaims(): IdTokenClaims | undefined;
    /** The granted scopes; when the server sent none, the requested ones (see scopesConfirmed) (E1). */
    get scopes(): ScopeSet;
    /** False when `scopes` is the requested scope standing in for a missing `scope` in the response. */
    get scopesConfirmed(): boolean;
    /**
     * What is wrong with the grant as the server gave it (checklist E1): `patient/` scopes without a
     * `patient` in context, and scopes a refresh returned beyond the original grant (a server bug).
     */
    get grantIssues(): string[];
    /** Whether a refresh token is held. */
    get canRefresh(): boolean;
    /** A summary safe to log: no token. */
    toJSON(): Record<string, unknown>;
}

/**
 * What a launch must remember between the redirect to the server and the callback, per `state`
 * (checklist E12). It holds the PKCE verifier: keep it server-side or in app-specific storage.
 */
interface LaunchRecord {
    state: string;
    codeVerifier: string;
    nonce?: string;
    redirectUri: string;
    /** The FHIR base = the `aud` sent (for an EHR launch the `iss`, byte for byte). */
    fhirBaseUrl: string;
    smartConfig: SmartConfiguration;
    clientId: string;
    /** The scope requested, normalised. */
    scope: string;
    /** The `launch` of an EHR launch. */
    launch?: string;
    /** Binds the state to the user's session (checklist 2.33), when the app passed one. */
    session?: string;
    /** Epoch ms. */
    createdAt: number;
}
/**
 * Where launch records wait for their callback. `take` must be atomic (get and delete in one step), so
 * a `state` is usable once even with concurrent callbacks (checklist 2.3, E12). Records expire after `ttlMs`.
 */
interface LaunchStateStore {
    put(state: string, record: LaunchRecord, ttlMs: number): Promise<void>;
    take(state: string): Promise<LaunchRecord | undefined>;
}
interface InMemoryLaunchStateStoreOptions {
    /** Clock in epoch ms (default Date.now). */
    now?: () => number;
    /** Most records kept; the oldest are dropped first (default 10 000). */
    maxEntries?: number;
}
/** A process-local LaunchStateStore: records expire, and the oldest go first when it is full. */
declare class InMemoryLaunchStateStore implements LaunchStateStore {
    #private;
    constructor(options?: InMemoryLaunchStateStoreOptions);
    put(state: string, record: LaunchRecord, ttlMs: number): Promise<void>;
    take(state: string): Promise<LaunchRecord | undefined>;
    /** Records waiting (an expired one is counted until a put finds it at the front; `take` never returns it). */
    get size(): number;
}

interface SmartLaunchOptions extends ClientAuthShorthand, TransportOptions {
    clientId: string;
    /** The registered redirect URI, exactly. */
    redirectUri: string;
    /** Scopes to request; `launch` is added for EHR launches, a nonce is sent when `openid` is present. */
    scope: string;
    /** The FHIR base of a standalone launch; also trusted as an EHR `iss`. */
    fhirBaseUrl?: string;
    /**
     * EHR FHIR bases this app accepts as `iss`, checked before any discovery or credential use (E15,
     * checklist 2.18): a list (compared with scheme/host case, default port and trailing slash
     * normalised, E6) or a predicate. Without it, only `fhirBaseUrl` is trusted.
     */
    trustedIssuers?: readonly string[] | ((iss: string) => boolean | Promise<boolean>);
    /** Where per-state launch records wait (default an InMemoryLaunchStateStore). */
    stateStore?: LaunchStateStore;
    /** How long a launch may take from redirect to callback (default 10 minutes). */
    stateTtlMs?: number;
    /** Session store for the resulting SmartClient; needs `storeKey` here or in each `handleCallback`. */
    tokenStore?: TokenStore;
    /** The session's store key, from the launch record and the token (e.g. from the id_token `sub` or your user id). */
    storeKey?: (info: {
        record: LaunchRecord;
        token: StoredToken;
    }) => string;
    /** GET, POST, or `auto` (POST for long requests when `authorize-post` is listed; default). */
    authorizeMethod?: "auto" | "GET" | "POST";
    maxUrlLength?: number;
    /** More authorization parameters; they cannot replace the protocol ones. */
    extraParams?: Record<string, string>;
    /** Discovery settings (cache, TTL); fetch, timeout and the insecure switch come from these options. */
    discovery?: Omit<DiscoveryOptions, "fetch" | "timeoutMs" | "allowInsecureRequests">;
    /** Clock in epoch ms (default Date.now). */
    now?: () => number;
    refreshMarginMs?: number;
    leaseMs?: number;
    clockToleranceSeconds?: number;
}
/** A started launch: send the browser there (GET redirect, or POST with renderAuthorizeForm). */
type LaunchStart = AuthorizeRequest & {
    state: string;
};
interface CallbackOptions {
    /** The session the launch was started in, when it was bound to one (checklist 2.33). */
    session?: string;
    /** Store key for this session (overrides the `storeKey` option). */
    storeKey?: string;
}
/** Compare FHIR bases as E6 asks for internal comparisons: scheme/host case, default port, trailing slash. */
declare function normaliseBaseUrl(value: string): string | undefined;
/**
 * The safe App Launch flow (SMART 2.2 app-launch.html): EHR launch with an allow-listed `iss`, or
 * standalone launch; per-`state` records so parallel launches never collide; a callback that checks
 * `state` first, surfaces `error`, exchanges the code, verifies the id_token and returns a SmartClient.
 */
declare class SmartLaunch {
    #private;
    constructor(options: SmartLaunchOptions);
    /**
     * Start an EHR launch from the launch URL's `iss` and `launch` (checklist 2.15-2.17): `iss` is
     * checked against the allow-list first, then discovered; `aud` is `iss` byte for byte.
     */
    ehrLaunch(input: string | URL | URLSearchParams | {
        iss: string;
        launch: string;
    }, options?: {
        session?: string;
    }): Promise<LaunchStart>;
    /** Start a standalone launch against `fhirBaseUrl` (default the configured one; others must be trusted). */
    standaloneLaunch(options?: {
        fhirBaseUrl?: string;
        session?: string;
    }): Promise<LaunchStart>;
    /**
     * Finish a launch from the redirect URL (or its query): `state` is checked first and consumed
     * (single use, E12), then `error` becomes `authorization_denied`, a redirect without `code` is
     * refused (E9), the code is exchanged once and the id_token verified (nonce included).
     */
    handleCallback(callback: string | URL | URLSearchParams, options?: CallbackOptions): Promise<SmartClient>;
}

type RevokeTokenOptions = TokenEndpointCallOptions;
/**
 * RFC 7009 token revocation at `revocation_endpoint`, with the same client authentication as the
 * token requests. Revoking a refresh token usually ends the whole grant.
 */
declare function revokeToken(options: RevokeTokenOptions): Promise<void>;

export { type AssertionAlg, type AuthProvider, type AuthRequest, type AuthorizeFormOptions, type AuthorizeRequest, type AuthorizeRequestOptions, type AuthorizeUrlOptions, type AuthorizedFetchOptions, BackendServicesAuth, type BackendServicesAuthOptions, type CallbackOptions, type ClientAuthShorthand, type ClientAuthentication, type ExchangeCodeOptions, type IdTokenClaims, InMemoryLaunchStateStore, type InMemoryLaunchStateStoreOptions, type IntrospectTokenOptions, type IntrospectionResult, type LaunchRecord, type LaunchStart, type LaunchStateStore, type RevokeTokenOptions, SmartAuthError, SmartAuthErrorCode, type SmartAuthErrorOptions, SmartClient, type SmartClientOptions, type SmartClientRestoreOptions, SmartLaunch, type SmartLaunchOptions, type TokenEndpointCallOptions, type TransportOptions, type VerifyIdTokenOptions, buildAuthorizeRequest, buildAuthorizeUrl, createAuthorizedFetch, discoverSmartConfiguration, exchangeCode, fhirBaseOf, introspectToken, normaliseBaseUrl, renderAuthorizeForm, resolveFhirUser, revokeToken, verifyIdToken };
