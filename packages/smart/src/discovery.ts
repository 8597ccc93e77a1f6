import {
  discoverSmartConfiguration as discover,
  trimTrailingSlashes,
  type DiscoveryOptions,
  type SmartConfiguration,
} from "@fhir-dsl/smart-discovery";
import { abortedError } from "./abort.js";
import { discoveredFrom, remember } from "./discovered-from.js";

export { fhirBaseOf } from "./discovered-from.js";

/**
 * `GET {fhirBase}/.well-known/smart-configuration`, validated and cached (see @fhir-dsl/smart-discovery);
 * the result remembers its FHIR base for the clients built from it.
 */
export async function discoverSmartConfiguration(
  fhirBaseUrl: string | URL,
  options?: DiscoveryOptions,
): Promise<SmartConfiguration> {
  const signal = options?.signal;
  const config = await discover(fhirBaseUrl, options).catch((error: unknown) => {
    // the caller's abort as the typed error of every SMART call, its reason as the cause (issue 19)
    throw signal?.aborted && error === signal.reason ? abortedError(signal) : error;
  });
  const base = trimTrailingSlashes(String(fhirBaseUrl));
  if (discoveredFrom.get(config) === base) return config; // a cached result, already remembered
  discoveredFrom.set(config, base);
  remember(config, base);
  return config;
}
