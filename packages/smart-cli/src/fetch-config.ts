import {
  DiscoveryError,
  discoverSmartConfiguration,
  smartConfigurationUrl,
  type SmartConfiguration,
} from "@fhir-dsl/smart";
import { CliError } from "./io.js";

/** The document as served and as the library accepted it (or why it did not). */
export interface FetchedConfiguration {
  /** `{fhirBase}/.well-known/smart-configuration` */
  url: string;
  /** The parsed JSON as served, when it was JSON. */
  raw?: unknown;
  /** The validated configuration (relative URLs resolved), when the library accepted it. */
  config?: SmartConfiguration;
  /** Why the library refused it. */
  error?: DiscoveryError;
}

/**
 * Discovery through the library (validation, URL policy, timeout), with a fetch that keeps a copy of the
 * body so `discover` and `check` can report every problem of the document, not only the first.
 */
export async function fetchConfiguration(
  fhirBaseUrl: string,
  transport: { timeoutMs: number; allowInsecureRequests: boolean },
): Promise<FetchedConfiguration> {
  let url: string;
  try {
    url = smartConfigurationUrl(fhirBaseUrl);
  } catch (error) {
    throw new CliError(
      `${fhirBaseUrl} is not a usable FHIR base URL: ${(error as Error).message}`,
      "pass the FHIR base, e.g. https://ehr.example.com/fhir",
    );
  }
  const result: FetchedConfiguration = { url };
  let body: Promise<string> | undefined;
  const keepBody: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    body = response.clone().text();
    return response;
  };
  try {
    result.config = await discoverSmartConfiguration(fhirBaseUrl, { ...transport, fetch: keepBody, cache: false });
  } catch (error) {
    if (!DiscoveryError.is(error)) throw error;
    result.error = error;
  }
  const text = await body?.catch(() => undefined);
  try {
    if (text !== undefined) result.raw = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    // not JSON: the DiscoveryError says so
  }
  return result;
}
