import type { CapabilitySet, SmartCapability, SmartConfiguration } from "./types.js";

/** True when the server lists `capability`; unknown and full-URI capabilities work too (SMART 2.2 conformance.html#capabilities). */
export function hasCapability(config: SmartConfiguration, capability: SmartCapability | (string & {})): boolean {
  return Array.isArray(config.capabilities) && config.capabilities.includes(capability);
}

// SMART 2.2 conformance.html#capability-sets: each set needs all of these, plus client-public or client-confidential-symmetric
const SETS = [
  ["patient-access-standalone", "launch-standalone context-standalone-patient permission-patient"],
  ["patient-access-ehr", "launch-ehr context-ehr-patient permission-patient"],
  ["clinician-access-standalone", "launch-standalone permission-user permission-patient"],
  ["clinician-access-ehr", "launch-ehr context-ehr-patient context-ehr-encounter permission-user permission-patient"],
] as const;

/** The Capability Sets the server's capabilities satisfy, in the order the spec lists them. */
export function capabilitySets(config: SmartConfiguration): CapabilitySet[] {
  const has = (capability: string) => hasCapability(config, capability);
  if (!has("client-public") && !has("client-confidential-symmetric")) return [];
  return SETS.filter(([, required]) => required.split(" ").every(has)).map(([name]): CapabilitySet => name);
}
