import { DiscoveryError, DiscoveryErrorCode } from "./errors.js";

const WELL_KNOWN = "/.well-known/smart-configuration";

/** Parses the FHIR base and returns it with every trailing slash removed (`https://h/fhir`). */
export function normalizeFhirBase(fhirBaseUrl: string | URL): string {
  if (typeof fhirBaseUrl !== "string" && !(fhirBaseUrl instanceof URL)) {
    throw new TypeError("pass the FHIR base URL as a string or URL, e.g. \"https://fhir.example.com/r4\"");
  }
  const given = String(fhirBaseUrl);
  let url: URL;
  try {
    url = new URL(given);
  } catch (cause) {
    throw invalidUrl("is not an absolute URL", given.replace(/\/\/[^/]*@/, "//"), cause);
  }
  const credentials = url.username || url.password;
  url.username = url.password = "";
  if (url.protocol !== "https:" && url.protocol !== "http:") throw invalidUrl("must use http or https", url.href);
  if (credentials) throw invalidUrl("must not contain credentials", url.href);
  // SMART 2.2 conformance.html#using-well-known: the document sits under the base path, so a query or fragment has no place
  if (/[?#]/.test(url.href)) throw invalidUrl("must not contain a query or fragment", given);
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/**
 * `{fhirBase}/.well-known/smart-configuration`, after the full base path and never at the host root
 * (SMART 2.2 conformance.html#using-well-known); a trailing slash on the base makes no difference.
 */
export function smartConfigurationUrl(fhirBaseUrl: string | URL): string {
  return normalizeFhirBase(fhirBaseUrl) + WELL_KNOWN;
}

/** 127.0.0.0/8, `localhost` and `[::1]`: plain http stays on this machine. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname;
  return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function isInsecure(url: URL, allowInsecureRequests: boolean | undefined): boolean {
  return url.protocol === "http:" && !isLoopback(url) && allowInsecureRequests !== true;
}

function invalidUrl(reason: string, url: string, cause?: unknown): DiscoveryError {
  return new DiscoveryError(`The FHIR base URL ${reason}`, { code: DiscoveryErrorCode.InvalidUrl, url, cause });
}
