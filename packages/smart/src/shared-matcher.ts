import { fhirBaseMatcher } from "./fhir-base.js";

// One matcher (a compiled regular expression and its bases) per FHIR base configuration, shared by every
// session of it instead of one per session (issue 22: memory per session). Bounded: a process talking to
// more distinct configurations than this rebuilds them, it never grows without limit.
const MAX = 256;
const cache = new Map<string, (url: string) => boolean>();

/** `fhirBaseMatcher(fhirBaseUrl, extraLocations)`, the same function for the same arguments. */
export function sharedFhirBaseMatcher(
  fhirBaseUrl: string,
  extraLocations: readonly string[] = [],
): (url: string) => boolean {
  const key = extraLocations.length === 0 ? fhirBaseUrl : JSON.stringify([fhirBaseUrl, ...extraLocations]);
  let matcher = cache.get(key);
  if (matcher === undefined) {
    matcher = fhirBaseMatcher(fhirBaseUrl, extraLocations);
    if (cache.size >= MAX) cache.delete(cache.keys().next().value!);
    cache.set(key, matcher);
  }
  return matcher;
}
