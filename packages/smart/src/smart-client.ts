import { trimTrailingSlashes, type SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { parseScope, type ScopeSet } from "@fhir-dsl/smart-scopes";
import { toStoredToken, type FhirContextEntry, type StoredToken } from "@fhir-dsl/token-store";
import type { AuthProvider, AuthRequest } from "./auth-provider.js";
import { createAuthorizedFetch } from "./authorized-fetch.js";
import { resolveClientAuth } from "./client-auth.js";
import { fhirBaseOf } from "./discovery.js";
import { assertSecureUrl } from "./endpoint.js";
import { SmartAuthErrorCode, fail, needs, requireOptionsWithConfig, text } from "./errors.js";
import { markVerified, verifiedClaimsOf } from "./exchange.js";
import { grantIssuesOf, ORIGINAL_SCOPE, widenedBeyond, type GrantIssue } from "./grant-check.js";
import { resolveFhirUser } from "./fhir-user.js";
import type { IdTokenClaims } from "./id-token.js";
import { verifyIdTokenLazily } from "./id-token-loader.js";
import type { IntrospectionResult } from "./introspection.js";
import { OwnTokenStore } from "./own-token-store.js";
import { isRefusedRefresh, RefusedRefreshTokens, refusedRefreshError } from "./refresh-refusal.js";
import { sharedFhirBaseMatcher } from "./shared-matcher.js";
import { untilAborted } from "./abort.js";
import { lifecycleObserver } from "./lifecycle-observer.js";
import { singleFlight } from "./single-flight.js";
import { resolveRenewal } from "./options.js";
import { TokenManager, storeError } from "./token-manager.js";
import { tokenClient } from "./token-request.js";
import { normaliseLaunchContext } from "./token-response.js";
import { extraLocations, mergeRefreshed } from "./session-token.js";
import type { CallOptions, SmartClientOptions, SmartClientRestoreOptions } from "./smart-client-options.js";

export type { CallOptions, SmartClientOptions, SmartClientRestoreOptions } from "./smart-client-options.js";

/**
 * A launched SMART app session as an AuthProvider (SMART 2.2 app-launch.html): the bearer token for
 * URLs under its FHIR base only (E21), refreshed ahead of expiry once for all callers and, with a
 * locking store, once per fleet; the same client authentication for refresh as for the exchange;
 * launch context, granted scopes and the verified user.
 */
export class SmartClient implements AuthProvider {
  readonly smartConfig: SmartConfiguration;
  readonly clientId: string;
  readonly fhirBaseUrl: string;
  readonly #options: SmartClientOptions;
  #fetch: typeof fetch | undefined;
  readonly #manager: TokenManager;
  readonly #inBase: (url: string) => boolean;
  readonly #now: () => number;
  #ready: Promise<void> | undefined;
  #claims: IdTokenClaims | undefined;
  #scopeCache: [string, ScopeSet] | undefined;
  /** The last grant check: original scope, current scope, widened tokens (undefined: not compared). */
  #grantCheck: [string, string, string[] | undefined] | undefined;
  // Built on first need, not per session up front (issue 22: memory per session).
  #pendingHeader: (() => Promise<string>) | undefined;
  #client: ReturnType<typeof tokenClient> | undefined;
  // refresh tokens the server refused: never sent again (issue 19), made on the first refusal
  #refused: RefusedRefreshTokens | undefined;
  // Set only while restore() constructs: the stored token is remembered, not written back to the store.
  static #restoring = false;

  constructor(options: SmartClientOptions) {
    const who = "SmartClient";
    const { smartConfig, tokens, tokenStore, storeKey, allowInsecureRequests } = requireOptionsWithConfig(who, options);
    this.clientId = text(who, options.clientId, "clientId");
    text(who, tokens?.access_token, "tokens with an access_token (the result of exchangeCode)");
    if (tokenStore) text(who, storeKey, "storeKey with a tokenStore, one per user session, e.g. `smart:${userId}`");
    const base = text(
      who,
      options.fhirBaseUrl ?? fhirBaseOf(smartConfig),
      "fhirBaseUrl (or a smartConfig from discoverSmartConfiguration)",
    );
    assertSecureUrl(base, allowInsecureRequests);
    this.smartConfig = smartConfig;
    this.fhirBaseUrl = trimTrailingSlashes(base);
    this.#options = options;
    const { now, refreshMarginMs, leaseMs } = resolveRenewal(who, options);
    this.#now = now;

    const token = normaliseLaunchContext(
      typeof tokens.expires_at === "number" ? { ...tokens } : toStoredToken({ ...tokens }, now()),
    );
    // checklist 2.56, E1: refreshes are compared with the original grant, kept with the token (a token stored before it: its scope)
    const original = [token[ORIGINAL_SCOPE], token.scope, options.requestedScope].find((s) => typeof s === "string");
    if (original !== undefined) token[ORIGINAL_SCOPE] = original;
    this.#claims = verifiedClaimsOf(tokens);
    this.#inBase = sharedFhirBaseMatcher(this.fhirBaseUrl, extraLocations(token, allowInsecureRequests));
    // misconfigured client authentication fails here, at construction; the client kept is built on first refresh
    tokenClient({ ...options, clientAuth: resolveClientAuth(options), now });
    const key = storeKey ?? `smart:app:${this.clientId}:${crypto.randomUUID()}`;
    const ids = { clientId: this.clientId, fhirBaseUrl: this.fhirBaseUrl };
    const events = lifecycleObserver(options.onEvent, ids, now, key);
    const store = tokenStore ?? new OwnTokenStore();
    const refresh = (current: StoredToken | undefined) => this.#refresh(current);
    // a fixed-shape options object, not a copy of every option (issue 22: memory per session)
    const manager = (this.#manager = new TokenManager({
      store: events ? events.observeStore(store) : store,
      key,
      now,
      leaseMs,
      refreshMarginMs,
      onStoreError: options.onStoreError,
      obtain: events ? events.observeRefresh(refresh) : refresh,
      ownStore: tokenStore === undefined,
      canObtain: (current) => typeof (current ?? this.#manager.token)?.refresh_token === "string",
    }));
    if (SmartClient.#restoring) manager.remember(token);
    else this.#ready = manager.adopt(token).catch(() => undefined); // a failed save is retried, and reported, on first use
  }

  #tokenClient(): ReturnType<typeof tokenClient> {
    return (this.#client ??= tokenClient({
      ...this.#options,
      clientAuth: resolveClientAuth(this.#options),
      now: this.#now,
    }));
  }

  // SMART 2.2 app-launch.html#refresh-access-token: same client authentication as the exchange.
  async #refresh(current: StoredToken | undefined): Promise<StoredToken> {
    const previous = current ?? this.#manager.token!;
    const refreshToken = previous.refresh_token!;
    if (this.#refused?.has(refreshToken))
      throw fail(
        SmartAuthErrorCode.ReauthorizationRequired,
        "The refresh token was refused before: the user must authorize again",
      );
    // any non-retryable 4xx ends the grant, whatever the body says (RFC 6749 §5.2)
    const fresh = await this.#tokenClient()
      .request({ grantType: "refresh_token", refreshToken })
      .catch((error) => {
        if (isRefusedRefresh(error)) (this.#refused ??= new RefusedRefreshTokens()).add(refreshToken);
        throw refusedRefreshError(error);
      });
    return this.#refreshed(previous, fresh);
  }

  /**
   * Load a session persisted in `tokenStore` (after a restart): the stored absolute `expires_at` is
   * kept, never re-dated. Resolves to undefined when nothing is stored under `storeKey`.
   */
  static async restore(options: SmartClientRestoreOptions): Promise<SmartClient | undefined> {
    const who = "SmartClient.restore";
    if (typeof options?.tokenStore?.get !== "function") needs(who, "tokenStore");
    const { tokenStore, smartConfig: config } = options;
    const storeKey = text(who, options.storeKey, "storeKey");
    let stored: StoredToken | undefined;
    try {
      stored = await tokenStore.get(storeKey);
    } catch (cause) {
      throw storeError("get", storeKey, cause);
    }
    if (stored === undefined) return undefined;
    const client = SmartClient.#fromStore({ ...options, tokens: stored });
    if (typeof stored.id_token === "string" && options.verifyIdToken !== false && config.issuer && config.jwks_uri) {
      // The login-time checks (nonce, exp) are past; signature, iss and aud still prove the stored identity.
      await client.verifyIdToken({ ignoreExpiry: true }).catch(() => undefined);
    }
    return client;
  }

  /** A client over a token read from its store: kept in memory as is, not saved again. */
  static #fromStore(options: SmartClientOptions): SmartClient {
    SmartClient.#restoring = true;
    try {
      return new SmartClient(options);
    } finally {
      SmartClient.#restoring = false;
    }
  }

  /** `Bearer …` for URLs under the FHIR base, undefined for any other URL (E21); synchronous while fresh. */
  getAuthorization(req: AuthRequest): Promise<string | undefined> | string | undefined {
    if (!this.#inBase(req.url)) return undefined;
    return (
      this.#manager.peek() ??
      untilAborted(
        (this.#pendingHeader ??= singleFlight(async () => {
          await this.#settle();
          return this.#manager.header();
        }))(),
        req.signal,
      )
    );
  }

  /** Called on a 401: the next request refreshes once (E20). */
  onUnauthorized(): void {
    this.#manager.invalidate();
  }

  /** A fresh access token (refreshed if needed); `signal` stops this caller's wait (code `aborted`). */
  async getAccessToken(options: CallOptions = {}): Promise<string> {
    return (await this.getToken(options)).access_token;
  }

  /** The whole current token, refreshed if needed; `signal` stops this caller's wait, not the shared refresh. */
  async getToken(options: CallOptions = {}): Promise<StoredToken> {
    return untilAborted(
      (async () => {
        await this.#settle();
        return this.#manager.get();
      })(),
      options.signal,
    );
  }

  /** Refresh now, whatever the expiry (needs a refresh token). */
  async refresh(): Promise<StoredToken> {
    await this.#settle();
    if (!this.canRefresh) {
      throw fail(
        SmartAuthErrorCode.ReauthorizationRequired,
        "No refresh token: request offline_access or online_access, or authorize again",
      );
    }
    this.#manager.invalidate();
    return this.#manager.get();
  }

  /** Revoke the refresh and access tokens at the server, then forget the session (memory and store). */
  async revoke(options: CallOptions = {}): Promise<void> {
    const { signal } = options;
    await this.#settle();
    const token = this.#manager.token;
    if (token) {
      // loaded on first use: a browser app that never revokes does not carry it (issue 20 item 6)
      const { revokeToken } = await import("./revocation.js");
      if (typeof token.refresh_token === "string")
        await revokeToken({ ...this.#options, token: token.refresh_token, tokenTypeHint: "refresh_token", signal });
      await revokeToken({ ...this.#options, token: token.access_token, tokenTypeHint: "access_token", signal });
    }
    await this.#manager.clear();
  }

  /**
   * End the session: revoke at the server when it has a revocation endpoint, and always forget the
   * session locally; a revocation failure is rethrown after the local clear.
   */
  async logout(): Promise<void> {
    let failure: unknown;
    if (typeof this.smartConfig.revocation_endpoint === "string") {
      try {
        return await this.revoke();
      } catch (error) {
        failure = error;
      }
    }
    await this.#manager.clear();
    if (failure !== undefined) throw failure;
  }

  /**
   * Introspect the current access token (checklist 8) with the client's own authentication, or with
   * `bearerToken` where the introspection endpoint demands one (SMART 2.2 token-introspection.html).
   */
  async introspect(options: { bearerToken?: string } & CallOptions = {}): Promise<IntrospectionResult> {
    const { signal, bearerToken } = options;
    const token = await this.getToken({ signal });
    const { introspectToken } = await import("./introspection.js"); // loaded on first use (issue 20 item 6)
    return introspectToken({
      ...this.#options,
      token: token.access_token,
      tokenTypeHint: "access_token",
      bearerToken,
      signal,
    });
  }

  /**
   * Verify the current id_token now (e.g. for tokens that did not come from exchangeCode); on
   * success `fhirUser` and `idTokenClaims` are exposed.
   */
  async verifyIdToken(options: { nonce?: string; ignoreExpiry?: boolean } = {}): Promise<IdTokenClaims> {
    const token = this.#manager.token;
    if (typeof token?.id_token !== "string") {
      throw fail(SmartAuthErrorCode.InvalidIdToken, "The token response has no id_token (request openid fhirUser)");
    }
    const claims = await this.#verify(token.id_token, options);
    markVerified(token, (this.#claims = claims));
    return claims;
  }

  /** A fetch that carries this session's token to its FHIR base only (see createAuthorizedFetch). */
  get fetch(): typeof fetch {
    // built once: `auth.fetch(url)` on every request must not build a new wrapper each time (issue 22)
    return (this.#fetch ??= createAuthorizedFetch(this, this.#options));
  }

  /** The current token as held in memory (may be stale; getToken() refreshes). */
  get token(): StoredToken | undefined {
    return this.#manager.token;
  }

  get patientId(): string | undefined {
    return this.#text("patient");
  }
  get encounterId(): string | undefined {
    return this.#text("encounter");
  }
  /** Launch context objects (pre-2.1 string items become `{ reference }`) (E14). */
  get fhirContext(): FhirContextEntry[] {
    const context = this.token?.fhirContext;
    return Array.isArray(context) ? context : [];
  }
  get needPatientBanner(): boolean | undefined {
    const value = this.token?.need_patient_banner;
    return typeof value === "boolean" ? value : undefined;
  }
  get smartStyleUrl(): string | undefined {
    return this.#text("smart_style_url");
  }
  get intent(): string | undefined {
    return this.#text("intent");
  }
  get tenant(): string | undefined {
    return this.#text("tenant");
  }
  /** The user's FHIR resource URL, only from a verified id_token; relative values resolve against the FHIR base (E18). */
  get fhirUser(): string | undefined {
    return resolveFhirUser(this.#claims, this.fhirBaseUrl);
  }
  /** Claims of the verified id_token, if one was verified. */
  get idTokenClaims(): IdTokenClaims | undefined {
    return this.#claims;
  }
  /** The granted scopes; when the server sent none, the requested ones (see scopesConfirmed) (E1). */
  get scopes(): ScopeSet {
    const scope = this.token?.scope ?? this.#options.requestedScope ?? "";
    if (this.#scopeCache?.[0] !== scope) this.#scopeCache = [scope, parseScope(scope)];
    return this.#scopeCache[1];
  }
  /** False when `scopes` is the requested scope standing in for a missing `scope` in the response. */
  get scopesConfirmed(): boolean {
    return this.#text("scope") !== undefined;
  }
  /**
   * What is wrong with the grant as the server gave it (checklist E1): `patient/` scopes without a
   * `patient` in context, and scopes a refresh returned beyond the original grant (a server bug,
   * checklist 2.56), compared with the original grant even after refreshes and a restore.
   */
  get grantIssues(): GrantIssue[] {
    return grantIssuesOf(this.scopes.contexts, this.patientId, this.#widenedOf(this.token));
  }

  /** Whether a refresh token is held. */
  get canRefresh(): boolean {
    return this.#text("refresh_token") !== undefined;
  }

  /** A summary safe to log: no token. */
  toJSON(): Record<string, unknown> {
    return {
      clientId: this.clientId,
      fhirBaseUrl: this.fhirBaseUrl,
      patient: this.patientId,
      scope: this.token?.scope,
    };
  }

  /** The tokens of `token.scope` beyond its original grant, computed once per pair of strings. */
  #widenedOf(token: StoredToken | undefined): string[] | undefined {
    const original = token?.[ORIGINAL_SCOPE];
    const scope = token?.scope;
    if (typeof original !== "string" || typeof scope !== "string") return [];
    const check = this.#grantCheck;
    if (check?.[0] === original && check[1] === scope) return check[2];
    return (this.#grantCheck = [original, scope, widenedBeyond(original, scope)])[2];
  }

  #text(key: string): string | undefined {
    const value = this.token?.[key];
    return typeof value === "string" ? value : undefined;
  }

  async #settle(): Promise<void> {
    const ready = this.#ready;
    this.#ready = undefined;
    await ready;
  }

  #verify(idToken: string, extra: { nonce?: string | undefined; ignoreExpiry?: boolean }): Promise<IdTokenClaims> {
    return verifyIdTokenLazily(idToken, { ...this.#options, ...extra, now: this.#now });
  }

  // The refreshed token; SMART 2.2 app-launch.html#response-7: a refreshed scope is the original or a subset, never wider.
  async #refreshed(previous: StoredToken, fresh: StoredToken): Promise<StoredToken> {
    const merged = mergeRefreshed(previous, fresh);
    // the original grant comes from the session, never from a server's response
    if (previous[ORIGINAL_SCOPE] === undefined) delete merged[ORIGINAL_SCOPE];
    else merged[ORIGINAL_SCOPE] = previous[ORIGINAL_SCOPE];
    this.#widenedOf(merged); // checked on the refresh path, bounded (SECURITY.md F15)
    const idToken = fresh.id_token;
    if (typeof idToken !== "string" || idToken === previous.id_token) return merged;
    // A refreshed id_token that fails verification or names another user must not end the session:
    // the identity verified at login is kept with its id_token.
    try {
      const { issuer, jwks_uri } = this.smartConfig;
      if (typeof issuer !== "string" || typeof jwks_uri !== "string") throw new Error("unverifiable");
      // OIDC Core §12.2: a refreshed id_token may repeat the login nonce, and only that one, or have none
      const nonce = this.#claims?.nonce;
      const claims = await (nonce !== undefined
        ? this.#verify(idToken, { nonce }).catch(() => this.#verify(idToken, {}))
        : this.#verify(idToken, {}));
      if (this.#claims && claims.sub !== this.#claims.sub) throw new Error("different subject");
      markVerified(merged, (this.#claims = claims));
    } catch {
      if (typeof previous.id_token === "string") merged.id_token = previous.id_token;
      else delete merged.id_token;
    }
    return merged;
  }
}
