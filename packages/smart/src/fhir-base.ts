import { isUnderFhirBase, parseFhirBase, type FhirBase } from "@fhir-dsl/smart-discovery";

/**
 * Decides whether a request URL is under the FHIR base a token was issued for, so the bearer token is
 * never sent to another origin or path (SMART 2.2 app-launch.html#app-protection; checklist E21).
 * It runs on every request: the common case is one anchored regular expression (a base, then a path
 * free of `.`, `%` and `\`), linear in the URL; anything unusual (case, dot segments, `;` parameters,
 * encodings) goes through the one URL policy, isUnderFhirBase (smart-discovery url-policy.ts).
 */
export function fhirBaseMatcher(fhirBaseUrl: string, extraLocations: readonly string[] = []): (url: string) => boolean {
  // extra locations come from the token response: an unusable one is skipped, not a crash
  const bases = [normaliseBase(fhirBaseUrl), ...extraLocations.flatMap((l) => parseFhirBase(l) ?? [])];
  const prefixes = bases.map((b) => b.href.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  const plain = new RegExp(`^(?:${prefixes})(?:$|[?#]|/[^.%\\\\?#]*(?:[?#]|$))`);
  // No memo of the last URL: telling a new URL from the last one costs a third of the regex (BENCHMARKS.md #1).
  return (url: string) => typeof url === "string" && (plain.test(url) || slowMatch(url, bases));
}

function normaliseBase(base: string): FhirBase {
  const parsed = parseFhirBase(base);
  if (!parsed) throw new TypeError("fhirBaseMatcher needs absolute http(s) URLs of at most 8 KiB");
  return parsed;
}

function slowMatch(url: string, bases: readonly FhirBase[]): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return bases.some((b) => isUnderFhirBase(u, b));
}
