import {
  discoverSmartConfiguration as discover,
  trimTrailingSlashes,
  type DiscoveryOptions,
  type SmartConfiguration,
} from "@fhir-dsl/smart-discovery";

// Which FHIR base a configuration was discovered from: SmartClient needs it to scope its token (E21)
// and the seed README builds a SmartClient from `smartConfig` alone.
const discoveredFrom = new WeakMap<SmartConfiguration, string>();

/**
 * `GET {fhirBase}/.well-known/smart-configuration`, validated and cached (see @fhir-dsl/smart-discovery);
 * the result remembers its FHIR base for the clients built from it.
 */
export async function discoverSmartConfiguration(
  fhirBaseUrl: string | URL,
  options?: DiscoveryOptions,
): Promise<SmartConfiguration> {
  const config = await discover(fhirBaseUrl, options);
  discoveredFrom.set(config, trimTrailingSlashes(String(fhirBaseUrl)));
  return config;
}

/** The FHIR base `config` was discovered from, if it came from discoverSmartConfiguration. */
export function fhirBaseOf(config: SmartConfiguration): string | undefined {
  return discoveredFrom.get(config);
}
