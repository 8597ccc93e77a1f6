import { DiscoveryError, DiscoveryErrorCode } from "./errors.js";
import { MAX_URL_LENGTH, isPlainHttpRefused, trimTrailingSlashes } from "./url-policy.js";

/** Parses the FHIR base and returns it with every trailing slash removed (`https://h/fhir`). */
export function normaliseFhirBase(fhirBaseUrl: string | URL): string {
  if (typeof fhirBaseUrl !== "string" && !(fhirBaseUrl instanceof URL)) {
    throw new TypeError("pass the FHIR base URL as a string or URL");
  }
  const given = String(fhirBaseUrl);
  const invalid = (
    problem: string,
    url: string,
    cause?: unknown,
    code: DiscoveryErrorCode = DiscoveryErrorCode.InvalidUrl,
  ) => new DiscoveryError(`FHIR base URL ${problem}`, { code, url, cause });
  // Checked before parsing: an `iss` is outside input (issue 15)
  // (only its start is kept for the error, and nothing of it when it may hold credentials)
  if (given.length > MAX_URL_LENGTH)
    throw invalid(
      `is longer than ${MAX_URL_LENGTH} characters`,
      given.includes("@") ? "(too long)" : `${given.slice(0, 64)}…`,
      undefined,
      DiscoveryErrorCode.UrlTooLong,
    );
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
  return url.origin + trimTrailingSlashes(url.pathname);
}

/**
 * `{fhirBase}/.well-known/smart-configuration`, after the full base path and never at the host root
 * (SMART 2.2 conformance.html#using-well-known); a trailing slash on the base makes no difference.
 */
export function smartConfigurationUrl(fhirBaseUrl: string | URL): string {
  return `${normaliseFhirBase(fhirBaseUrl)}/.well-known/smart-configuration`;
}

export const isHttp = (url: URL): boolean => url.protocol === "https:" || url.protocol === "http:";

/** Plain http to a host other than 127.0.0.0/8, `localhost` or `[::1]`, not allowed by `allowInsecureRequests` (url-policy.ts). */
export const isInsecure = (url: URL, allowInsecureRequests: boolean | undefined): boolean =>
  isPlainHttpRefused(url, allowInsecureRequests);
