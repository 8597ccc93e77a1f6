import * as oauth from "oauth4webapi";
import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { SmartAuthError, SmartAuthErrorCode, printableUrl } from "./errors.js";

/** Transport options every flow accepts. */
export interface TransportOptions {
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

const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost|\[::1\])$/i;

/** Refuse plain http to a non-loopback host unless the user opted in (checklist 2.1). */
export function assertSecureUrl(url: string | URL, allowInsecure = false): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new TypeError(`Expected an absolute URL, got an invalid one`, { cause });
  }
  if (parsed.protocol === "https:") return parsed;
  if (parsed.protocol !== "http:") {
    throw new SmartAuthError(`Only https URLs are allowed: ${printableUrl(parsed)}`, { code: SmartAuthErrorCode.InsecureUrl });
  }
  if (!allowInsecure && !LOOPBACK.test(parsed.hostname)) {
    throw new SmartAuthError(
      `Refusing plain http to a non-loopback host (${printableUrl(parsed)}); pass allowInsecureRequests: true to allow it`,
      { code: SmartAuthErrorCode.InsecureUrl },
    );
  }
  return parsed;
}

/**
 * The oauth4webapi request options for one endpoint: our fetch, a timeout, and http allowed only for
 * an endpoint that passed `assertSecureUrl`.
 */
export function requestOptions(url: string, transport: TransportOptions, extra: Record<string, unknown> = {}) {
  const parsed = assertSecureUrl(url, transport.allowInsecureRequests);
  return {
    ...extra,
    signal: AbortSignal.timeout(transport.timeoutMs ?? 10_000),
    [oauth.allowInsecureRequests]: parsed.protocol === "http:",
    ...(transport.fetch ? { [oauth.customFetch]: transport.fetch } : {}),
  };
}

/**
 * oauth4webapi's AuthorizationServer from a SMART configuration. SMART lists `issuer` only with
 * `sso-openid-connect`; without it the token endpoint's origin stands in. That value is never compared
 * with anything: assertion `aud` is set to the token endpoint (E7) and id_tokens are verified by
 * id-token.ts against the configuration's own `issuer`.
 */
export function authorizationServer(config: SmartConfiguration): oauth.AuthorizationServer {
  return {
    issuer: typeof config.issuer === "string" ? config.issuer : new URL(config.token_endpoint).origin,
    token_endpoint: config.token_endpoint,
    ...(config.authorization_endpoint ? { authorization_endpoint: config.authorization_endpoint } : {}),
    ...(config.introspection_endpoint ? { introspection_endpoint: config.introspection_endpoint } : {}),
    ...(config.revocation_endpoint ? { revocation_endpoint: config.revocation_endpoint } : {}),
    ...(config.jwks_uri ? { jwks_uri: config.jwks_uri } : {}),
  };
}
