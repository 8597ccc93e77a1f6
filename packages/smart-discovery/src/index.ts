export { capabilitySets, hasCapability } from "./capabilities.js";
export { clearDiscoveryCache, discoverSmartConfiguration } from "./discover.js";
export { DiscoveryError, DiscoveryErrorCode } from "./errors.js";
export type { DiscoveryErrorOptions } from "./errors.js";
export type { CapabilitySet, DiscoveryOptions, SmartCapability, SmartConfiguration, ValidateOptions } from "./types.js";
export { smartConfigurationUrl } from "./url.js";
export { validateSmartConfiguration } from "./validate.js";
