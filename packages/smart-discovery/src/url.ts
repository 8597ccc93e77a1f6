import { DiscoveryError, DiscoveryErrorCode } from "./errors.js";

/** Parses the FHIR base and returns it with every trailing slash removed (`https://h/fhir`). */
export function normalizeFhirBase(fhirBaseUrl: string | URL): string {
  if (typeof fhirBaseUrl !== "string" && !(fhirBaseUrl instanceof URL)) {
    throw new TypeError("pass the FHIR base URL as a string or URL");
  }
  const given = String(fhirBaseUrl);
  const invalid = (problem: string, url: string, cause?: unknown) =>
    new DiscoveryError(`FHIR base URL ${problem}`, { code: DiscoveryErrorCode.InvalidUrl, url, cause });
  let url: URL;
  try {
    url = new URL(given);
  } catch (cause) {
    throw invalid("is not absolute", given.replace(/\/\/[^/]*@/, "//"), cause);
  }
  const credentials = url.username || url.password;
  if (credentials) url.username = url.password = ""; // never print them
  if (!isHttp(url)) throw invalid("must be http(s)", url.href);
  if (credentials) throw invalid("has credentials", url.href);
  // SMART 2.2 conformance.html#using-well-known: the document sits under the base path, so a query or fragment has no place
  if (/[?#]/.test(url.href)) throw invalid("has a query or fragment", given);
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/**
 * `{fhirBase}/.well-known/smart-configuration`, after the full base path and never at the host root
 * (SMART 2.2 conformance.html#using-well-known); a trailing slash on the base makes no difference.
 */
export function smartConfigurationUrl(fhirBaseUrl: string | URL): string {
  return `${normalizeFhirBase(fhirBaseUrl)}/.well-known/smart-configuration`;
}

export const isHttp = (url: URL): boolean => /^https?:$/.test(url.protocol);

/** Plain http to a host other than 127.0.0.0/8, `localhost` or `[::1]`, not allowed by `allowInsecureRequests`. */
export const isInsecure = (url: URL, allowInsecureRequests: boolean | undefined): boolean =>
  url.protocol === "http:" && !/^(localhost|\[::1\]|127\.\d+\.\d+\.\d+)$/.test(url.hostname) && allowInsecureRequests !== true;
