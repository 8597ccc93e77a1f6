import { normaliseBaseUrl as normalisedBase, type DiscoveryOptions } from "@fhir-dsl/smart-discovery";
import type { StoredToken, TokenStore } from "@fhir-dsl/token-store";
import { authorizeScope, type AuthorizeRequest } from "./authorize.js";
import type { ClientAuthShorthand } from "./client-auth.js";
import type { TransportOptions } from "./endpoint.js";
import { needs, requireOptions, text } from "./errors.js";
import type { LaunchRecord, LaunchStateStore } from "./launch-state.js";
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

/** Options of `startLaunch` and `completeLaunch`: SmartLaunch's, with the state store both sides share. */
export type LaunchStepOptions = SmartLaunchOptions & { stateStore: LaunchStateStore };

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

/** SmartLaunch's options, checked, with the state store and the clock both halves of a launch use. */
export interface LaunchContext {
  readonly options: SmartLaunchOptions;
  readonly states: LaunchStateStore;
  readonly now: () => number;
  readonly stateTtlMs: number;
}

/**
 * SmartLaunch's option checks (misuse is a TypeError naming SmartLaunch), shared by the class and by
 * startLaunch / completeLaunch so that every path refuses the same bad options with the same error.
 * `states` makes the store when the options bring none (the class's in-memory default).
 */
export function launchContext(
  options: SmartLaunchOptions,
  states: (options: SmartLaunchOptions) => LaunchStateStore,
): LaunchContext {
  const who = "SmartLaunch";
  text(who, requireOptions(who, options).clientId, "clientId");
  if (normaliseBaseUrl(options.redirectUri) === undefined) needs(who, "redirectUri (the registered absolute URL)");
  authorizeScope(options.scope, undefined, who);
  if (options.fhirBaseUrl !== undefined && normaliseBaseUrl(options.fhirBaseUrl) === undefined)
    needs(who, "fhirBaseUrl as an absolute URL");
  const store = options.stateStore ?? states(options);
  // the sessions' renewal options are checked here, not at the callback after the code is spent
  const { now } = resolveRenewal(who, options);
  return { options, states: store, now, stateTtlMs: options.stateTtlMs ?? DEFAULT_STATE_TTL_MS };
}

/** The context of a startLaunch / completeLaunch call: the options must bring the store both calls share. */
export function stepContext(who: string, options: LaunchStepOptions): LaunchContext {
  return launchContext(options, () =>
    needs(who, "stateStore (where the launch record waits between startLaunch and completeLaunch)"),
  );
}

export function toParams(input: string | URL | URLSearchParams | { iss: string; launch: string }): URLSearchParams {
  if (input instanceof URLSearchParams) return input;
  if (input instanceof URL) return input.searchParams;
  if (typeof input === "string")
    return URL.canParse(input) ? new URL(input).searchParams : new URLSearchParams(input.replace(/^\?/, ""));
  if (typeof input !== "object" || input === null)
    throw new TypeError("Pass the launch or redirect URL, its query string, URLSearchParams, or { iss, launch }");
  return new URLSearchParams(Object.entries(input).filter((e): e is [string, string] => typeof e[1] === "string"));
}
