import { MAX_URL_LENGTH } from "@fhir-dsl/smart-discovery";
import { codeChallengeS256, generateCodeVerifier, generateNonce, generateState } from "@fhir-dsl/smart-pkce";
import { authorizeScope, buildAuthorizeRequest } from "./authorize.js";
import { discoverSmartConfiguration } from "./discovery.js";
import { assertSecureUrl, transportOf } from "./endpoint.js";
import { SmartAuthErrorCode, fail, needs } from "./errors.js";
import type { LaunchRecord } from "./launch-state.js";
import {
  normaliseBaseUrl,
  stepContext,
  toParams,
  type LaunchContext,
  type LaunchStart,
  type LaunchStepOptions,
} from "./launch-options.js";

/** Where a launch starts: the EHR's launch URL (or its query, or `{ iss, launch }`), or a standalone FHIR base. */
export type LaunchFrom =
  | { ehrLaunch: string | URL | URLSearchParams | { iss: string; launch: string }; session?: string }
  | { ehrLaunch?: undefined; fhirBaseUrl?: string; session?: string };

/**
 * The first half of SmartLaunch as a function (what a launch page runs, without the code exchange or
 * SmartClient): an EHR launch from `ehrLaunch` (`iss` allow-listed before any request, checklist 2.15-2.18),
 * else a standalone launch against `fhirBaseUrl` or the options' one; the record waits in `stateStore`.
 */
export async function startLaunch(options: LaunchStepOptions, from: LaunchFrom = {}): Promise<LaunchStart> {
  const context = stepContext("startLaunch", options);
  return from?.ehrLaunch !== undefined
    ? ehrLaunchStart(context, from.ehrLaunch, from.session)
    : standaloneLaunchStart(context, from?.fhirBaseUrl, from?.session);
}

/** SmartLaunch.ehrLaunch: `iss` and `launch` from the launch URL, `iss` bounded before anything else (issue 15). */
export async function ehrLaunchStart(
  context: LaunchContext,
  input: string | URL | URLSearchParams | { iss: string; launch: string },
  session: string | undefined,
): Promise<LaunchStart> {
  const params = toParams(input);
  const iss = params.get("iss");
  const launch = params.get("launch");
  if (!iss || !launch)
    throw fail(SmartAuthErrorCode.InvalidCallback, "An EHR launch needs both iss and launch parameters");
  // Issue 15: an outside `iss` is bounded before the allow-list or any network step
  if (iss.length > MAX_URL_LENGTH)
    throw fail(SmartAuthErrorCode.UrlTooLong, `The launch iss is longer than ${MAX_URL_LENGTH} characters`);
  return launchStart(context, iss, launch, session);
}

/** SmartLaunch.standaloneLaunch: `fhirBaseUrl` defaults to the configured one; others must be trusted. */
export async function standaloneLaunchStart(
  context: LaunchContext,
  fhirBaseUrl: string | undefined,
  session: string | undefined,
): Promise<LaunchStart> {
  const base = fhirBaseUrl ?? context.options.fhirBaseUrl;
  if (typeof base !== "string") needs("standaloneLaunch", "fhirBaseUrl (here or in the SmartLaunch options)");
  return launchStart(context, base, undefined, session);
}

// The allow-list is checked before any discovery or credential use (E15, checklist 2.18).
async function trusted(context: LaunchContext, url: string): Promise<boolean> {
  const normalised = normaliseBaseUrl(url);
  const { trustedIssuers = [], fhirBaseUrl } = context.options;
  if (normalised === undefined) return false;
  if (fhirBaseUrl !== undefined && normaliseBaseUrl(fhirBaseUrl) === normalised) return true;
  if (typeof trustedIssuers === "function") return (await trustedIssuers(url)) === true;
  return trustedIssuers.some((t) => normaliseBaseUrl(t) === normalised);
}

async function launchStart(
  context: LaunchContext,
  fhirBaseUrl: string,
  launch: string | undefined,
  session: string | undefined,
): Promise<LaunchStart> {
  const o = context.options;
  if (!(await trusted(context, fhirBaseUrl)))
    throw fail(SmartAuthErrorCode.UntrustedIssuer, "The FHIR server is not on the allow-list of trusted issuers");
  // checklist 2.33: a state not tied to the browser that started it is an explicit choice, never a default
  if (typeof session === "string" ? session.length === 0 : o.allowUnboundState !== true)
    needs("SmartLaunch", "session (the browser session the launch belongs to), or allowUnboundState: true");
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
    createdAt: context.now(),
  };
  await context.states.put(state, record, context.stateTtlMs);
  return { ...request, state };
}
