/**
 * Decides whether a request URL is under the FHIR base a token was issued for, so the bearer token is
 * never sent to another origin or path (SMART 2.2 app-launch.html#app-protection; checklist E21).
 * It runs on every request: the common case is one anchored regular expression (a base, then a path
 * free of `.`, `%` and `\`); anything unusual (case, dot segments, encodings) goes through the URL parser.
 */
export function fhirBaseMatcher(fhirBaseUrl: string, extraLocations: readonly string[] = []): (url: string) => boolean {
  const bases = [fhirBaseUrl, ...extraLocations].map(normaliseBase);
  const prefixes = bases.map((b) => b.href.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  const plain = new RegExp(`^(?:${prefixes})(?:$|[?#]|/[^.%\\\\?#]*(?:[?#]|$))`);
  // No memo of the last URL: telling a new URL from the last one costs a third of the regex (BENCHMARKS.md #1).
  return (url: string) => typeof url === "string" && (plain.test(url) || slowMatch(url, bases));
}

interface Base {
  href: string;
  origin: string;
  path: string;
}

function normaliseBase(base: string): Base {
  const u = new URL(base);
  const path = u.pathname.replace(/\/+$/, "");
  return { href: `${u.origin}${path}`, origin: u.origin, path };
}

function slowMatch(url: string, bases: readonly Base[]): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (/%2e|%2f|%5c|\\/i.test(u.pathname)) return false;
  return bases.some((b) => u.origin === b.origin && (u.pathname === b.path || u.pathname.startsWith(`${b.path}/`) || (b.path === "" && u.pathname === "/")));
}
