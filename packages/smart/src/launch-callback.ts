import { MAX_URL_LENGTH } from "@fhir-dsl/smart-discovery";
import { SmartAuthError, SmartAuthErrorCode, fail, needs } from "./errors.js";
import { exchangeCode } from "./exchange.js";
import type { LaunchRecord } from "./launch-state.js";
import { SmartClient } from "./smart-client.js";
import {
  stepContext,
  toParams,
  type CallbackOptions,
  type LaunchContext,
  type LaunchStepOptions,
} from "./launch-options.js";

/**
 * The second half of SmartLaunch as a function (what a redirect page runs, without discovery or PKCE):
 * the redirect's `state` is taken from `stateStore` (single use), then checked as SmartLaunch.handleCallback
 * does, the code exchanged and the id_token verified; returns the session's SmartClient.
 */
export async function completeLaunch(
  options: LaunchStepOptions,
  callback: string | URL | URLSearchParams,
  callbackOptions: CallbackOptions = {},
): Promise<SmartClient> {
  return launchCallback(stepContext("completeLaunch", options), callback, callbackOptions);
}

/**
 * SmartLaunch.handleCallback: `state` is checked first and consumed (single use, E12), then `error` becomes
 * `authorization_denied`, a redirect without `code` is refused (E9), the code is exchanged once and the
 * id_token verified (nonce included).
 */
export async function launchCallback(
  context: LaunchContext,
  callback: string | URL | URLSearchParams,
  options: CallbackOptions,
): Promise<SmartClient> {
  // Issue 15: the redirect is outside input, bounded before it is parsed or its state looked up
  if (callbackLength(callback) > MAX_URL_LENGTH)
    throw fail(SmartAuthErrorCode.UrlTooLong, `The authorization redirect is longer than ${MAX_URL_LENGTH} characters`);
  const params = toParams(callback);
  const state = params.get("state");
  const { storeKey: keyOf, ...o } = context.options;
  const badState = (why: string) => fail(SmartAuthErrorCode.InvalidState, `The authorization redirect's state ${why}`);
  const badCallback = (why: string) => fail(SmartAuthErrorCode.InvalidCallback, `The authorization redirect ${why}`);
  if (!state) throw badState("is missing");
  // RFC 6749 §3.1: parameters must not repeat; which copy counts would be the attacker's choice
  if (["state", "code", "error", "iss"].some((name) => params.getAll(name).length > 1))
    throw badCallback("repeats a parameter");
  if (o.tokenStore && options.storeKey === undefined && typeof keyOf !== "function")
    needs("handleCallback", "storeKey when a tokenStore is configured");
  const record = await context.states.take(state);
  if (!record || record.state !== state || record.createdAt + context.stateTtlMs <= context.now()) {
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
