// Which FHIR base a configuration was discovered from, apart from discovery itself: SmartClient (an app page)
// reads it without loading discovery, which only the launch page runs.
import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";

// Which FHIR base a configuration was discovered from: SmartClient needs it to scope its token (E21)
// and the seed README builds a SmartClient from `smartConfig` alone.
export const discoveredFrom = new WeakMap<SmartConfiguration, string>();
// The same by content, for a configuration that went through structuredClone or JSON (a persisted session):
// its serialisation -> the FHIR base, or null when two bases served the same document (then it is not guessed).
const byContent = new Map<string, string | null>();
const MAX_REMEMBERED = 256;

export function remember(config: SmartConfiguration, base: string): void {
  const key = JSON.stringify(config);
  const known = byContent.get(key);
  byContent.delete(key);
  byContent.set(key, known === undefined || known === base ? base : null);
  if (byContent.size > MAX_REMEMBERED) byContent.delete(byContent.keys().next().value!);
}

/**
 * The FHIR base `config` was discovered from in this process, if it came from discoverSmartConfiguration,
 * also when it is a copy (structuredClone, JSON) of such a configuration; undefined when two FHIR bases
 * served the same document (pass `fhirBaseUrl` then).
 */
export function fhirBaseOf(config: SmartConfiguration): string | undefined {
  const base = discoveredFrom.get(config);
  if (base !== undefined || typeof config !== "object" || config === null) return base;
  try {
    return byContent.get(JSON.stringify(config)) ?? undefined;
  } catch {
    return undefined;
  }
}
