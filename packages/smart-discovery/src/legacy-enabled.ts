import type { DiscoveryOptions } from "./types.js";

/** Whether a 404 on .well-known/smart-configuration falls back to the CapabilityStatement: `legacyDiscovery`, default on unless `strict`. */
export const legacyEnabled = (options: DiscoveryOptions): boolean => options.legacyDiscovery ?? options.strict !== true;
