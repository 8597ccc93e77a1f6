// Compiled with tsc --noEmit: the package's types as an ESM TypeScript user sees them.
import {
  DiscoveryError,
  DiscoveryErrorCode,
  discoverSmartConfiguration,
  hasCapability,
} from "@fhir-dsl/smart-discovery";
import type { DiscoveryOptions, SmartCapability, SmartConfiguration } from "@fhir-dsl/smart-discovery";

const options: DiscoveryOptions = { timeoutMs: 5_000 };
export async function tokenEndpoint(base: string): Promise<string> {
  const config: SmartConfiguration = await discoverSmartConfiguration(base, options);
  const wanted: SmartCapability = "launch-standalone";
  return hasCapability(config, wanted) ? config.token_endpoint : "";
}
export function isMissing(error: unknown): boolean {
  return error instanceof DiscoveryError && error.code === DiscoveryErrorCode.HttpStatus;
}
// @ts-expect-error token_endpoint is a string (proves the types are not `any`)
export const wrong: number = ({} as SmartConfiguration).token_endpoint;
