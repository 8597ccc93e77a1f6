import { trimTrailingSlashes, type SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { parseScope, type ScopeSet } from "@fhir-dsl/smart-scopes";
import { InMemoryTokenStore, type StoredToken, type TokenStore } from "@fhir-dsl/token-store";
import type { AuthProvider, AuthRequest } from "./auth-provider.js";
import { createAuthorizedFetch } from "./authorized-fetch.js";
import { resolveClientAuth, type AssertionAlg, type ClientAuthentication } from "./client-auth.js";
import { discoverSmartConfiguration } from "./discovery.js";
import { assertSecureUrl, transportOf, type TransportOptions } from "./endpoint.js";
import { needs, requireOptions, text, type SmartAuthError } from "./errors.js";
import { fhirBaseMatcher } from "./fhir-base.js";
import { singleFlight } from "./single-flight.js";
import { TokenManager } from "./token-manager.js";
import { tokenClient } from "./token-request.js";

export interface BackendServicesAuthOptions extends TransportOptions {
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
export class BackendServicesAuth implements AuthProvider {
  readonly fhirBaseUrl: string;
  readonly clientId: string;
  readonly scope: string;
  readonly #options: BackendServicesAuthOptions;
  readonly #inBase: (url: string) => boolean;
  #manager: TokenManager | undefined;
  #starting: Promise<TokenManager> | undefined;
  #smartConfig: SmartConfiguration | undefined;
  readonly #pendingHeader = singleFlight(async () => (await this.#start()).header());

  constructor(options: BackendServicesAuthOptions) {
    const who = "BackendServicesAuth";
    const base = text(who, requireOptions(who, options).fhirBaseUrl ?? options.issuer, "issuer (the FHIR base URL)");
    this.clientId = text(who, options.clientId, "clientId");
    this.scope = text(who, options.scope?.trim?.(), 'scope, e.g. "system/Patient.rs"').split(/\s+/).join(" ");
    if (resolveClientAuth(options).method === "none") needs(who, "privateKey and alg (RS384 or ES384), or clientAuth");
    assertSecureUrl(base, options.allowInsecureRequests);
    this.fhirBaseUrl = trimTrailingSlashes(base);
    this.#options = options;
    this.#inBase = fhirBaseMatcher(this.fhirBaseUrl);
    this.#smartConfig = options.smartConfig;
  }

  /** `Bearer …` for URLs under the FHIR base, `undefined` for any other URL (E21). Synchronous when cached. */
  getAuthorization(req: AuthRequest): Promise<string | undefined> | string | undefined {
    if (!this.#inBase(req.url)) return undefined;
    return this.#manager?.peek() ?? this.#pendingHeader();
  }

  /** Called by a FHIR client on a 401: the next call gets a new token (once, E20). */
  onUnauthorized(): void {
    this.#manager?.invalidate();
  }

  /** A fresh access token. */
  async getAccessToken(): Promise<string> {
    return (await this.getToken()).access_token;
  }

  /** The whole stored token (scope, expires_at, ...), fresh. */
  async getToken(): Promise<StoredToken> {
    return (await this.#start()).get();
  }

  /** The scopes the server granted (checklist E1), or undefined before the first token. */
  get grantedScopes(): ScopeSet | undefined {
    const token = this.#manager?.token;
    return token ? parseScope(token.scope ?? this.scope) : undefined;
  }

  /** A fetch that carries this provider's token (see createAuthorizedFetch). */
  get fetch(): typeof fetch {
    return createAuthorizedFetch(this, this.#options);
  }

  /** Forget the cached token (memory and store). */
  async clear(): Promise<void> {
    await this.#manager?.clear();
  }

  #start(): Promise<TokenManager> {
    return (this.#starting ??= this.#create().catch((error) => {
      this.#starting = undefined;
      throw error;
    }));
  }

  async #create(): Promise<TokenManager> {
    const o = this.#options;
    const smartConfig = (this.#smartConfig ??= o.tokenEndpoint
      ? ({ token_endpoint: o.tokenEndpoint, capabilities: [], code_challenge_methods_supported: ["S256"], grant_types_supported: ["client_credentials"] } as SmartConfiguration)
      : await discoverSmartConfiguration(this.fhirBaseUrl, transportOf(o)));
    const now = o.now ?? Date.now;
    const client = tokenClient({ ...o, smartConfig, clientAuth: resolveClientAuth(o), now });
    return (this.#manager = new TokenManager({
      ...o,
      store: o.tokenStore ?? new InMemoryTokenStore(),
      key: o.storeKey ?? `smart:backend:${smartConfig.token_endpoint}:${o.clientId}:${[...new Set(this.scope.split(" "))].sort().join(" ")}`,
      now,
      // Backend Services gets no refresh token: every renewal is a new signed assertion (E3, E24),
      // so nothing is lost when the store cannot keep a token (SECURITY.md F8).
      obtain: () => client.request({ grantType: "client_credentials", scope: this.scope }),
      storeRequired: false,
    }));
  }
}
