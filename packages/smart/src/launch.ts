import { MAX_URL_LENGTH, normaliseBaseUrl as normalisedBase, type DiscoveryOptions } from "@fhir-dsl/smart-discovery";
import { codeChallengeS256, generateCodeVerifier, generateNonce, generateState } from "@fhir-dsl/smart-pkce";
import type { StoredToken, TokenStore } from "@fhir-dsl/token-store";
import { authorizeScope, buildAuthorizeRequest, type AuthorizeRequest } from "./authorize.js";
import type { ClientAuthShorthand } from "./client-auth.js";
import { discoverSmartConfiguration } from "./discovery.js";
import { assertSecureUrl, transportOf, type TransportOptions } from "./endpoint.js";
import { SmartAuthError, SmartAuthErrorCode, fail, needs, requireOptions, text } from "./errors.js";
import { exchangeCode } from "./exchange.js";
import { defaultLaunchStateStore } from "./default-launch-state.js";
import type { LaunchRecord, LaunchStateStore } from "./launch-state.js";
import { SmartClient } from "./smart-client.js";
import { DEFAULT_STATE_TTL_MS } from "./defaults.js";
import { resolveRenewal } from "./options.js";

export interface SmartLaunchOptions extends ClientAuthShorthand, TransportOptions {
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
  /** Where per-state launch records wait (default an InMemoryLaunchStateStore, bounded per session: F18). */
  stateStore?: LaunchStateStore;
  /**
   * Opt out of binding each `state` to the browser session (checklist 2.33): launches may then start and
   * finish without `session`. Only for apps with one user per process (a desktop or CLI app).
   */
  allowUnboundState?: boolean;
  /** How long a launch may take from redirect to callback (default 10 minutes). */
  stateTtlMs?: number;
  /** Session store for the resulting SmartClient; needs `storeKey` here or in each `handleCallback`. */
  tokenStore?: TokenStore;
  /** The session's store key, from the launch record and the token (e.g. from the id_token `sub` or your user id). */
  storeKey?: (info: { record: LaunchRecord; token: StoredToken }) => string;
  /** GET, POST, or `auto` (POST for long requests when `authorize-post` is listed; default). */
  authorizeMethod?: "auto" | "GET" | "POST";
  maxUrlLength?: number;
  /** More authorization parameters; they cannot replace the protocol ones. */
  extraParams?: Record<string, string>;
  /** Discovery settings (cache, TTL); fetch, timeout and the insecure switch come from these options. */
  discovery?: Omit<DiscoveryOptions, "fetch" | "timeoutMs" | "allowInsecureRequests" | "maxResponseBytes">;
  /** Clock in epoch ms (default Date.now). */
  now?: () => number;
  refreshMarginMs?: number;
  leaseMs?: number;
  clockToleranceSeconds?: number;
}

/** A started launch: send the browser there (GET redirect, or POST with renderAuthorizeForm). */
export type LaunchStart = AuthorizeRequest & { state: string };

export interface CallbackOptions {
  /** The session the launch was started in (checklist 2.33); required unless `allowUnboundState` is set. */
  session?: string;
  /** Store key for this session (overrides the `storeKey` option). */
  storeKey?: string;
}

/** Compare FHIR bases as E6 asks for internal comparisons (the one URL policy, smart-discovery url-policy.ts). */
export const normaliseBaseUrl: (value: string) => string | undefined = normalisedBase;

/**
 * The safe App Launch flow (SMART 2.2 app-launch.html): EHR launch with an allow-listed `iss`, or
 * standalone launch; per-`state` records so parallel launches never collide; a callback that checks
 * `state` first, surfaces `error`, exchanges the code, verifies the id_token and returns a SmartClient.
 */
export class SmartLaunch {
  readonly #o: SmartLaunchOptions;
  readonly #states: LaunchStateStore;
  readonly #now: () => number;
  readonly #stateTtlMs: number;

  constructor(options: SmartLaunchOptions) {
    const who = "SmartLaunch";
    text(who, requireOptions(who, options).clientId, "clientId");
    if (normaliseBaseUrl(options.redirectUri) === undefined) needs(who, "redirectUri (the registered absolute URL)");
    authorizeScope(options.scope, undefined, who);
    if (options.fhirBaseUrl !== undefined && normaliseBaseUrl(options.fhirBaseUrl) === undefined)
      needs(who, "fhirBaseUrl as an absolute URL");
    this.#o = options;
    this.#states = options.stateStore ?? defaultLaunchStateStore(options);
    // the sessions' renewal options are checked here, not at the callback after the code is spent
    this.#now = resolveRenewal(who, options).now;
    this.#stateTtlMs = options.stateTtlMs ?? DEFAULT_STATE_TTL_MS;
  }

  /**
   * Start an EHR launch from the launch URL's `iss` and `launch` (checklist 2.15-2.17): `iss` is
   * checked against the allow-list first, then discovered; `aud` is `iss` byte for byte.
   */
  async ehrLaunch(
    input: string | URL | URLSearchParams | { iss: string; launch: string },
    options: { session?: string } = {},
  ): Promise<LaunchStart> {
    const params = toParams(input);
    const iss = params.get("iss");
    const launch = params.get("launch");
    if (!iss || !launch)
      throw fail(SmartAuthErrorCode.InvalidCallback, "An EHR launch needs both iss and launch parameters");
    // Issue 15: an outside `iss` is bounded before the allow-list or any network step
    if (iss.length > MAX_URL_LENGTH)
      throw fail(SmartAuthErrorCode.UrlTooLong, `The launch iss is longer than ${MAX_URL_LENGTH} characters`);
    return this.#start(iss, launch, options.session);
  }

  /** Start a standalone launch against `fhirBaseUrl` (default the configured one; others must be trusted). */
  async standaloneLaunch(options: { fhirBaseUrl?: string; session?: string } = {}): Promise<LaunchStart> {
    const base = options.fhirBaseUrl ?? this.#o.fhirBaseUrl;
    if (typeof base !== "string") needs("standaloneLaunch", "fhirBaseUrl (here or in the SmartLaunch options)");
    return this.#start(base, undefined, options.session);
  }

  /**
   * Finish a launch from the redirect URL (or its query): `state` is checked first and consumed
   * (single use, E12), then `error` becomes `authorization_denied`, a redirect without `code` is
   * refused (E9), the code is exchanged once and the id_token verified (nonce included).
   */
  async handleCallback(callback: string | URL | URLSearchParams, options: CallbackOptions = {}): Promise<SmartClient> {
    // Issue 15: the redirect is outside input, bounded before it is parsed or its state looked up
    if (callbackLength(callback) > MAX_URL_LENGTH)
      throw fail(
        SmartAuthErrorCode.UrlTooLong,
        `The authorization redirect is longer than ${MAX_URL_LENGTH} characters`,
      );
    const params = toParams(callback);
    const state = params.get("state");
    const { storeKey: keyOf, ...o } = this.#o;
    const badState = (why: string) =>
      fail(SmartAuthErrorCode.InvalidState, `The authorization redirect's state ${why}`);
    const badCallback = (why: string) => fail(SmartAuthErrorCode.InvalidCallback, `The authorization redirect ${why}`);
    if (!state) throw badState("is missing");
    // RFC 6749 §3.1: parameters must not repeat; which copy counts would be the attacker's choice
    if (["state", "code", "error", "iss"].some((name) => params.getAll(name).length > 1))
      throw badCallback("repeats a parameter");
    if (o.tokenStore && options.storeKey === undefined && typeof keyOf !== "function")
      needs("handleCallback", "storeKey when a tokenStore is configured");
    const record = await this.#states.take(state);
    if (!record || record.state !== state || record.createdAt + this.#stateTtlMs <= this.#now()) {
      throw badState("is unknown, expired or already used: start the launch again");
    }
    if (!sameSession(record.session, options.session, o.allowUnboundState === true))
      throw badState("belongs to another browser session");
    const { smartConfig, clientId } = record;
    const mixUp = issuerMismatch(params.get("iss"), smartConfig);
    if (mixUp) throw badCallback(mixUp);
    const error = params.get("error");
    if (error !== null) {
      const description = params.get("error_description") || undefined;
      throw new SmartAuthError(`Authorization was not granted: ${error}${description ? ` (${description})` : ""}`, {
        code: SmartAuthErrorCode.AuthorizationDenied,
        error,
        errorDescription: description,
        errorUri: params.get("error_uri") || undefined,
      });
    }
    const code = params.get("code");
    if (!code) throw badCallback("has neither code nor error");
    const token = await exchangeCode({
      ...o,
      smartConfig,
      clientId,
      redirectUri: record.redirectUri,
      code,
      codeVerifier: record.codeVerifier,
      nonce: record.nonce,
    });
    const storeKey = options.storeKey ?? (o.tokenStore && keyOf ? keyOf({ record, token }) : undefined);
    return new SmartClient({
      ...o,
      smartConfig,
      clientId,
      tokens: token,
      fhirBaseUrl: record.fhirBaseUrl,
      requestedScope: record.scope,
      storeKey,
    });
  }

  // The allow-list is checked before any discovery or credential use (E15, checklist 2.18).
  async #trusted(url: string): Promise<boolean> {
    const normalised = normaliseBaseUrl(url);
    const { trustedIssuers = [], fhirBaseUrl } = this.#o;
    if (normalised === undefined) return false;
    if (fhirBaseUrl !== undefined && normaliseBaseUrl(fhirBaseUrl) === normalised) return true;
    if (typeof trustedIssuers === "function") return (await trustedIssuers(url)) === true;
    return trustedIssuers.some((t) => normaliseBaseUrl(t) === normalised);
  }

  async #start(fhirBaseUrl: string, launch: string | undefined, session: string | undefined): Promise<LaunchStart> {
    if (!(await this.#trusted(fhirBaseUrl)))
      throw fail(SmartAuthErrorCode.UntrustedIssuer, "The FHIR server is not on the allow-list of trusted issuers");
    // checklist 2.33: a state not tied to the browser that started it is an explicit choice, never a default
    if (typeof session === "string" ? session.length === 0 : this.#o.allowUnboundState !== true)
      needs("SmartLaunch", "session (the browser session the launch belongs to), or allowUnboundState: true");
    const o = this.#o;
    assertSecureUrl(fhirBaseUrl, o.allowInsecureRequests);
    const smartConfig = await discoverSmartConfiguration(fhirBaseUrl, { ...o.discovery, ...transportOf(o) });
    const scope = authorizeScope(o.scope, launch);
    const codeVerifier = generateCodeVerifier();
    const state = generateState();
    const nonce = scope.split(" ").includes("openid") ? generateNonce() : undefined;
    const { clientId, redirectUri } = o;
    const request = buildAuthorizeRequest({
      ...o,
      smartConfig,
      scope,
      state,
      codeChallenge: await codeChallengeS256(codeVerifier),
      aud: fhirBaseUrl,
      launch,
      nonce,
      method: o.authorizeMethod,
    });
    const record: LaunchRecord = {
      state,
      codeVerifier,
      nonce,
      redirectUri,
      fhirBaseUrl,
      smartConfig,
      clientId,
      scope,
      launch,
      session,
      createdAt: this.#now(),
    };
    await this.#states.put(state, record, this.#stateTtlMs);
    return { ...request, state };
  }
}

/** Checklist 2.33: a bound state needs the same session; an unbound one exists only when the app opted out. */
function sameSession(bound: string | undefined, presented: string | undefined, unboundAllowed: boolean): boolean {
  if (bound === undefined) return unboundAllowed && presented === undefined;
  if (typeof presented !== "string" || presented.length !== bound.length) return false;
  let diff = 0; // constant time in the length: the binding is a secret of the browser
  for (let i = 0; i < bound.length; i++) diff |= bound.charCodeAt(i) ^ presented.charCodeAt(i);
  return diff === 0;
}

/**
 * RFC 9207 §2.4 (mix-up defence): an `iss` in the redirect must equal the issuer of the server this state went
 * to, which must be known; a server advertising `authorization_response_iss_parameter_supported` must send it.
 */
function issuerMismatch(iss: string | null, config: LaunchRecord["smartConfig"]): string | undefined {
  const issuer = typeof config.issuer === "string" && config.issuer.length > 0 ? config.issuer : undefined;
  if (iss === null)
    return config.authorization_response_iss_parameter_supported === true
      ? "lacks iss, which this authorization server promises (RFC 9207)"
      : undefined;
  if (issuer === undefined)
    return "names an issuer (iss), but this authorization server published none to check it against (RFC 9207)";
  return iss === issuer ? undefined : "names another authorization server (iss, RFC 9207)";
}

const callbackLength = (input: unknown): number =>
  typeof input === "string"
    ? input.length
    : input instanceof URL
      ? input.href.length
      : input instanceof URLSearchParams
        ? input.toString().length
        : 0;

function toParams(input: string | URL | URLSearchParams | { iss: string; launch: string }): URLSearchParams {
  if (input instanceof URLSearchParams) return input;
  if (input instanceof URL) return input.searchParams;
  if (typeof input === "string")
    return URL.canParse(input) ? new URL(input).searchParams : new URLSearchParams(input.replace(/^\?/, ""));
  if (typeof input !== "object" || input === null)
    throw new TypeError("Pass the launch or redirect URL, its query string, URLSearchParams, or { iss, launch }");
  return new URLSearchParams(Object.entries(input).filter((e): e is [string, string] => typeof e[1] === "string"));
}
