import * as oauth from "oauth4webapi";
import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { SmartAuthErrorCode, fail, printableUrl } from "./errors.js";

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

/** Per-request timeout when `timeoutMs` is not given. */
export const DEFAULT_TIMEOUT_MS = 10_000;

const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost|\[::1\])$/i;

/** Refuse plain http to a non-loopback host unless the user opted in (checklist 2.1). */
export function assertSecureUrl(url: string | URL, allowInsecure?: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new TypeError("Expected an absolute URL", { cause });
  }
  const { protocol } = parsed;
  if (protocol !== "https:" && (protocol !== "http:" || !(allowInsecure || LOOPBACK.test(parsed.hostname)))) {
    throw fail(SmartAuthErrorCode.InsecureUrl, `Refusing ${printableUrl(parsed)}: use https (plain http only to loopback or with allowInsecureRequests: true)`);
  }
  return parsed;
}

/** The transport options discovery takes from a flow's options. */
export const transportOf = ({ fetch, timeoutMs, allowInsecureRequests }: TransportOptions): TransportOptions => ({ fetch, timeoutMs, allowInsecureRequests });

/**
 * The oauth4webapi request options for one endpoint: our fetch, a timeout, and http allowed only for
 * an endpoint that passed `assertSecureUrl`.
 */
export function requestOptions(url: string, transport: TransportOptions) {
  return {
    signal: AbortSignal.timeout(transport.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    [oauth.allowInsecureRequests]: assertSecureUrl(url, transport.allowInsecureRequests).protocol === "http:",
    [oauth.customFetch]: transport.fetch,
  };
}

/**
 * oauth4webapi's AuthorizationServer from a SMART configuration. SMART lists `issuer` only with
 * `sso-openid-connect`; without it the token endpoint's origin stands in. That value is never compared
 * with anything: assertion `aud` is set to the token endpoint (E7) and id_tokens are verified by
 * id-token.ts against the configuration's own `issuer`.
 */
export function authorizationServer({ issuer, token_endpoint, introspection_endpoint, revocation_endpoint }: SmartConfiguration): oauth.AuthorizationServer {
  return {
    issuer: typeof issuer === "string" ? issuer : new URL(token_endpoint).origin,
    token_endpoint,
    introspection_endpoint,
    revocation_endpoint,
  };
}
