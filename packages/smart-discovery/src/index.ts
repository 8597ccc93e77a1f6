export { DEFAULT_MAX_RESPONSE_BYTES, limitedFetch, limitResponse } from "./body-limit.js";
export type { BodyErrorFactory, BodyFailure } from "./body-limit.js";
export { capabilitySets, hasCapability } from "./capabilities.js";
export {
  CAPABILITIES_EXTENSION,
  OAUTH_URIS_EXTENSION,
  smartConfigurationFromCapabilityStatement,
} from "./capability-statement.js";
export { clearDiscoveryCache, discoverSmartConfiguration } from "./discover.js";
export { DiscoveryError, DiscoveryErrorCode } from "./errors.js";
export type { DiscoveryErrorOptions } from "./errors.js";
export type { CapabilitySet, DiscoveryOptions, SmartCapability, SmartConfiguration, ValidateOptions } from "./types.js";
export { smartConfigurationUrl } from "./url.js";
export { validateSmartConfiguration } from "./validate.js";
export {
  MAX_URL_LENGTH,
  hasAmbiguousPath,
  isLoopbackHost,
  isPlainHttpRefused,
  isTransportAllowed,
  isUnderFhirBase,
  normaliseBaseUrl,
  parseFhirBase,
  parseUrl,
  trimLeadingSlashes,
  trimTrailingSlashes,
} from "./url-policy.js";
export type { FhirBase } from "./url-policy.js";
