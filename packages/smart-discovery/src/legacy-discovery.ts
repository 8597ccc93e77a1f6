import { readCapabilityStatement } from "./capability-statement.js";
import { DiscoveryError, DiscoveryErrorCode } from "./errors.js";
import { fetchJson } from "./fetch-json.js";
import type { DiscoveryOptions, SmartConfiguration } from "./types.js";
import { normaliseFhirBase } from "./url.js";
import { isUnderFhirBase } from "./url-policy.js";

/**
 * SMART 1.0 conformance.html (what fhirclient does): `GET {fhirBase}/metadata` and read the oauth-uris
 * extension. Called only after the .well-known document answered 404 (`notFound`); when the
 * CapabilityStatement cannot be had or declares no SMART endpoints, that 404 is the error (the attempt is
 * its `cause`). A hostile or unusable declaration, a body over the cap, a timeout are errors of their own.
 */
export async function discoverLegacy(
  notFound: DiscoveryError,
  fhirBaseUrl: string | URL,
  fetchImpl: typeof fetch,
  signal: AbortSignal,
  options: DiscoveryOptions,
): Promise<SmartConfiguration> {
  const base = normaliseFhirBase(fhirBaseUrl);
  const url = `${base}/metadata`;
  // SECURITY.md F23: the CapabilityStatement is trusted only from under the FHIR base, after any redirect
  const offBase = (finalUrl: URL) =>
    isUnderFhirBase(finalUrl, base)
      ? undefined
      : new DiscoveryError(
          `${url} redirected outside the FHIR base (legacy discovery trusts only the base's own CapabilityStatement)`,
          {
            code: DiscoveryErrorCode.UntrustedRedirect,
            url,
          },
        );
  let document: unknown;
  try {
    // FHIR R4 http.html#mime-type: the JSON format; older servers only know application/json
    document = await fetchJson(
      url,
      "application/fhir+json, application/json;q=0.9",
      fetchImpl,
      signal,
      options,
      false,
      offBase,
    );
  } catch (cause) {
    if (
      DiscoveryError.is(cause) &&
      (cause.code === DiscoveryErrorCode.HttpStatus || cause.code === DiscoveryErrorCode.NotJson) &&
      !cause.retryable
    ) {
      throw withCause(notFound, cause);
    }
    throw cause;
  }
  const found = readCapabilityStatement(document, fhirBaseUrl, options, url);
  if (typeof found === "string") throw withCause(notFound, new Error(`${url} ${found}`));
  return found;
}

const withCause = (error: DiscoveryError, cause: unknown): DiscoveryError =>
  new DiscoveryError(
    `${error.message} and ${String((cause as Error).message).replace(/^\S+ /, "its CapabilityStatement ")}`,
    {
      code: error.code,
      url: error.url,
      status: error.status,
      response: error.response,
      cause,
    },
  );
