import { discoverSmartConfiguration, trimTrailingSlashes, type SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { parseScope, type ScopeSet } from "@fhir-dsl/smart-scopes";
import { InMemoryTokenStore, type StoredToken, type TokenStore } from "@fhir-dsl/token-store";
import type { AuthProvider, AuthRequest } from "./auth-provider.js";
import { createAuthorizedFetch } from "./authorized-fetch.js";
import {
  resolveClientAuth,
  type AssertionAlg,
  type ClientAuthentication,
  type PrivateKeyInput,
} from "./client-auth.js";
import { assertSecureUrl, transportOf, type TransportOptions } from "./endpoint.js";
import { needs, requireOptions, text, type SmartAuthError } from "./errors.js";
import { sharedFhirBaseMatcher } from "./shared-matcher.js";
import { singleFlight } from "./single-flight.js";
import { untilAborted } from "./abort.js";
import { lifecycleEmitter, type SmartEventListener } from "./lifecycle-events.js";
import { backendStoreKey, bindToken, tenantBoundStore, tokenEndpointPolicy } from "./tenant-binding.js";
import { resolveRenewal, type ResolvedRenewal } from "./options.js";
import { TokenManager } from "./token-manager.js";
import * as confidentialAuth from "./confidential-auth.js";
import { tokenClientWith } from "./token-request.js";

export interface BackendServicesAuthOptions extends TransportOptions {
  /** Alias of `fhirBaseUrl`, the name the seed README uses. */
  issuer?: string;
  /** The FHIR base URL (the token's audience); discovery runs against it. */
  fhirBaseUrl?: string;
  /** A configuration already discovered; skips discovery. */
  smartConfig?: SmartConfiguration;
  /** The token endpoint, to skip discovery entirely (a pin: it is always allowed). */
  tokenEndpoint?: string;
  /**
   * Token endpoints on another origin than the FHIR base that this FHIR base may name (exact URLs).
   * A discovered (or `smartConfig`) token endpoint must be on the FHIR base's origin, pinned with
   * `tokenEndpoint`, or listed here; anything else is refused (`untrusted_token_endpoint`) before an
   * assertion is signed, so a tenant cannot make the app fetch another tenant's token (SECURITY.md F11).
   */
  allowedTokenEndpoints?: readonly string[];
  clientId: string;
  /** Space-separated `system/` scopes, e.g. `system/Patient.rs`. */
  scope: string;
  /** The client assertion's key: a CryptoKey, a private JWK, a PKCS#8 PEM string (with `alg`), or an AssertionSigner (e.g. KMS). */
  privateKey?: PrivateKeyInput;
  alg?: AssertionAlg;
  kid?: string;
  jku?: string;
  /** Instead of privateKey/alg/kid (SMART Backend Services requires private_key_jwt). */
  clientAuth?: ClientAuthentication;
  /**
   * Allow `client_secret_basic` / `client_secret_post` in `clientAuth` (default false): Backend Services is for
   * asymmetric clients only (checklist 4.4, 6.1); an opt-in for servers that offer nothing else.
   */
  allowSymmetricClientAuth?: boolean;
  /** Where tokens are kept; default a new InMemoryTokenStore. */
  tokenStore?: TokenStore;
  /**
   * Store key; default derived from the FHIR base, token endpoint, client id and scope set, length-prefixed
   * (checklist E24). Whatever the key, a stored token of another FHIR base or token endpoint is never used.
   */
  storeKey?: string;
  /** Renew this long before expiry (default 60 s, at most a quarter of the lifetime). */
  refreshMarginMs?: number;
  /**
   * Cross-process lock lease, extended while a token request runs (default: the worst-case request plus
   * 5 s, at least 30 s). Shorter than the worst-case request, timeoutMs x (maxRetries + 1) + backoff, is
   * refused with a TypeError (SECURITY.md F10).
   */
  leaseMs?: number;
  /** Clock in epoch ms (default Date.now). */
  now?: () => number;
  /** Retries on 5xx/429/timeouts with backoff (default 2). */
  maxRetries?: number;
  /** The longest `Retry-After` (429/503, seconds or HTTP-date) waited for before a retry (default 5 000 ms); longer is not retried. */
  maxRetryAfterMs?: number;
  /**
   * Sees each failure of the token store (a `token_store_error` SmartAuthError, its cause the store's
   * error; no token in it). A store outage does not stop Backend Services: tokens are fetched and served
   * without the store (one token request per process instead of per fleet) until it is back.
   */
  onStoreError?: (error: SmartAuthError) => void;
  /** Lifecycle events (token obtained/renewed, refresh failed, store outage/recovery, discovery); never a token. */
  onEvent?: SmartEventListener;
}

/**
 * SMART Backend Services (client_credentials + private_key_jwt), as an AuthProvider: a token per
 * (FHIR base, token endpoint, client, scope set), bound to its tenant, cached in memory, renewed ahead of
 * expiry, one request for all concurrent callers, and with a locking store one request for a whole fleet.
 * https://hl7.org/fhir/smart-app-launch/backend-services.html
 */
export class BackendServicesAuth implements AuthProvider {
  readonly fhirBaseUrl: string;
  readonly clientId: string;
  readonly scope: string;
  readonly #options: BackendServicesAuthOptions;
  #fetch: typeof fetch | undefined;
  readonly #inBase: (url: string) => boolean;
  #checkTokenEndpoint: ((endpoint: string) => void) | undefined; // dropped once the manager exists
  #renewal: ResolvedRenewal | undefined; // dropped once the manager exists
  #manager: TokenManager | undefined;
  #starting: Promise<TokenManager> | undefined;
  #smartConfig: SmartConfiguration | undefined;
  #pendingHeader: (() => Promise<string>) | undefined; // built on first need (issue 22: memory per provider)

  constructor(options: BackendServicesAuthOptions) {
    const who = "BackendServicesAuth";
    const base = text(
      who,
      requireOptions(who, options).fhirBaseUrl ?? options.issuer,
      "fhirBaseUrl (the FHIR base URL; issuer is an alias)",
    );
    this.clientId = text(who, options.clientId, "clientId");
    this.scope = text(who, options.scope?.trim?.(), 'scope, e.g. "system/Patient.rs"').split(/\s+/).join(" ");
    const method = resolveClientAuth(options).method;
    if (method === "none") needs(who, "privateKey and alg (RS384 or ES384), or clientAuth");
    assertSecureUrl(base, options.allowInsecureRequests);
    // SMART 2.2 client-confidential-symmetric.html: "not intended for SMART Backend Services clients" (checklist 4.4, 6.1)
    if (
      (method === "client_secret_basic" || method === "client_secret_post") &&
      options.allowSymmetricClientAuth !== true
    ) {
      throw new TypeError(
        `${who}: ${method} is symmetric client authentication; Backend Services uses private_key_jwt (pass privateKey and alg), or set allowSymmetricClientAuth: true`,
      );
    }
    this.fhirBaseUrl = trimTrailingSlashes(base);
    this.#options = options;
    this.#inBase = sharedFhirBaseMatcher(this.fhirBaseUrl);
    this.#checkTokenEndpoint = tokenEndpointPolicy(
      who,
      this.fhirBaseUrl,
      options.tokenEndpoint,
      options.allowedTokenEndpoints,
      options.allowInsecureRequests,
    );
    this.#renewal = resolveRenewal(who, options);
    this.#smartConfig = options.smartConfig;
  }

  /** `Bearer …` for URLs under the FHIR base, `undefined` for any other URL (E21). Synchronous when cached. */
  getAuthorization(req: AuthRequest): Promise<string | undefined> | string | undefined {
    if (!this.#inBase(req.url)) return undefined;
    return (
      this.#manager?.peek() ??
      untilAborted((this.#pendingHeader ??= singleFlight(async () => (await this.#start()).header()))(), req.signal)
    );
  }

  /** Called by a FHIR client on a 401: the next call gets a new token (once, E20). */
  onUnauthorized(): void {
    this.#manager?.invalidate();
  }

  /** A fresh access token; `signal` stops this caller's wait (code `aborted`). */
  async getAccessToken(options: { signal?: AbortSignal | undefined } = {}): Promise<string> {
    return (await this.getToken(options)).access_token;
  }

  /** The whole stored token (scope, expires_at, ...), fresh; `signal` stops this caller's wait, not the shared request. */
  async getToken(options: { signal?: AbortSignal | undefined } = {}): Promise<StoredToken> {
    return untilAborted(
      this.#start().then((manager) => manager.get()),
      options.signal,
    );
  }

  /** The scopes the server granted (checklist E1); without `scope` in the response, the requested ones (see scopesConfirmed); undefined before the first token. */
  get grantedScopes(): ScopeSet | undefined {
    const token = this.#manager?.token;
    return token ? parseScope(token.scope ?? this.scope) : undefined;
  }

  /**
   * False when `grantedScopes` is the requested scope standing in for a token response without `scope`
   * (RFC 6749 §5.1, checklist E1), or before the first token; as `SmartClient.scopesConfirmed`.
   */
  get scopesConfirmed(): boolean {
    return typeof this.#manager?.token?.scope === "string";
  }

  /** A fetch that carries this provider's token (see createAuthorizedFetch). */
  get fetch(): typeof fetch {
    // built once: `auth.fetch(url)` on every request must not build a new wrapper each time (issue 22)
    return (this.#fetch ??= createAuthorizedFetch(this, this.#options));
  }

  /** Forget the cached token (memory and store). */
  async clear(): Promise<void> {
    await this.#manager?.clear();
  }

  #start(): Promise<TokenManager> {
    if (this.#manager) return Promise.resolve(this.#manager);
    return (this.#starting ??= this.#create().then(
      (manager) => {
        // started: what only starting needed is dropped (issue 22: memory per provider)
        this.#starting = undefined;
        this.#checkTokenEndpoint = undefined;
        this.#renewal = undefined;
        return manager;
      },
      (error) => {
        this.#starting = undefined;
        throw error;
      },
    ));
  }

  async #create(): Promise<TokenManager> {
    const o = this.#options;
    const { now, refreshMarginMs, leaseMs } = this.#renewal!;
    const events = lifecycleEmitter(o.onEvent, { clientId: this.clientId, fhirBaseUrl: this.fhirBaseUrl }, now);
    const clientAuth = resolveClientAuth(o);
    // a PEM or JWK key is imported while discovery is out, not after it (its errors still surface on first use)
    confidentialAuth.prepareSigningKey(clientAuth);
    const discover = async (): Promise<SmartConfiguration> => {
      const started = performance.now();
      // not ./discovery.js: this config never leaves the provider, so fhirBaseOf's JSON copy of it is wasted
      const config = await discoverSmartConfiguration(this.fhirBaseUrl, transportOf(o));
      events?.emit({ type: "discovery_refreshed", durationMs: performance.now() - started });
      return config;
    };
    const smartConfig = (this.#smartConfig ??= o.tokenEndpoint
      ? ({
          token_endpoint: o.tokenEndpoint,
          capabilities: [],
          code_challenge_methods_supported: ["S256"],
          grant_types_supported: ["client_credentials"],
        } as SmartConfiguration)
      : await discover());
    // before anything is signed: a hostile tenant's discovery document may name another tenant's token endpoint (F11)
    this.#checkTokenEndpoint!(smartConfig.token_endpoint);
    // Backend Services always authenticates (private_key_jwt): its code is imported statically, not through import()
    const client = tokenClientWith({ ...o, smartConfig, clientAuth, now }, staticConfidentialAuth);
    const binding = { fhirBase: this.fhirBaseUrl, tokenEndpoint: smartConfig.token_endpoint };
    const store = o.tokenStore ?? new InMemoryTokenStore();
    const key =
      o.storeKey ?? backendStoreKey(this.fhirBaseUrl, smartConfig.token_endpoint, o.clientId, this.scope.split(" "));
    events?.setStoreKey(key);
    // a token of another tenant under this key (a storeKey shared by mistake) counts as none (F11)
    const bound = o.tokenStore ? tenantBoundStore(store, binding, (error) => o.onStoreError?.(error)) : store;
    const request = async () =>
      bindToken(await client.request({ grantType: "client_credentials", scope: this.scope }), binding);
    // a fixed-shape options object, not a copy of every option (issue 22: memory per provider)
    return (this.#manager = new TokenManager({
      refreshMarginMs,
      onStoreError: o.onStoreError,
      store: events ? events.observeStore(bound) : bound,
      key,
      now,
      leaseMs,
      // Backend Services gets no refresh token: every renewal is a new signed assertion (E3, E24),
      // so nothing is lost when the store cannot keep a token (SECURITY.md F8).
      obtain: events ? events.observeObtain(request) : request,
      storeRequired: false,
      ownStore: o.tokenStore === undefined,
    }));
  }
}

const staticConfidentialAuth = async () => confidentialAuth;
