import type { CapabilitySet, SmartCapability, SmartConfiguration } from "./types.js";

/** True when the server lists `capability`; unknown and full-URI capabilities work too (SMART 2.2 conformance.html#capabilities). */
export function hasCapability(config: SmartConfiguration, capability: SmartCapability | (string & {})): boolean {
  return Array.isArray(config.capabilities) && config.capabilities.includes(capability);
}

// SMART 2.2 conformance.html#capability-sets: each set needs these, plus permission-patient and client-public or client-confidential-symmetric
const SETS: [CapabilitySet, string][] = [
  ["patient-access-standalone", "launch-standalone context-standalone-patient"],
  ["patient-access-ehr", "launch-ehr context-ehr-patient"],
  ["clinician-access-standalone", "launch-standalone permission-user"],
  ["clinician-access-ehr", "launch-ehr context-ehr-patient context-ehr-encounter permission-user"],
];

/** The Capability Sets the server's capabilities satisfy, in the order the spec lists them. */
export function capabilitySets(config: SmartConfiguration): CapabilitySet[] {
  const has = (capability: string) => hasCapability(config, capability);
  if (!has("permission-patient") || (!has("client-public") && !has("client-confidential-symmetric"))) return [];
  return SETS.filter(([, required]) => required.split(" ").every(has)).map(([name]) => name);
}
