// What a launch page also runs (assertSecureUrl): nothing here imports oauth4webapi or the token request, so a
// bundler that chunks by module keeps them off that page; oauth4webapi's side of a request is in oauth-endpoint.ts.
import { isTransportAllowed } from "@fhir-dsl/smart-discovery";
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
  /**
   * Largest response body read (token, introspection, revocation, JWKS, discovery), in bytes; default
   * 1 MiB, Infinity for none. A larger body is a `response_too_large` SmartAuthError and the connection is dropped.
   */
  maxResponseBytes?: number;
}

/** Per-request timeout when `timeoutMs` is not given. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Refuse plain http to a non-loopback host unless the user opted in (checklist 2.1). */
export function assertSecureUrl(url: string | URL, allowInsecure?: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new TypeError("Expected an absolute URL", { cause });
  }
  if (!isTransportAllowed(parsed, allowInsecure)) {
    throw fail(
      SmartAuthErrorCode.InsecureUrl,
      `Refusing ${printableUrl(parsed)}: use https (plain http only to loopback or with allowInsecureRequests: true)`,
    );
  }
  return parsed;
}

/** The transport options discovery takes from a flow's options. */
export const transportOf = ({
  fetch,
  timeoutMs,
  allowInsecureRequests,
  maxResponseBytes,
}: TransportOptions): TransportOptions => ({ fetch, timeoutMs, allowInsecureRequests, maxResponseBytes });
