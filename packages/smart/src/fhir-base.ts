/**
 * Decides whether a request URL is under the FHIR base a token was issued for, so the bearer token is
 * never sent to another origin or path (SMART 2.2 app-launch.html#app-protection; checklist E21).
 * The common case is a string prefix test; anything unusual (case, dot segments, encodings) takes the
 * slow path through the URL parser.
 */
export function fhirBaseMatcher(fhirBaseUrl: string, extraLocations: readonly string[] = []): (url: string) => boolean {
  const bases = [fhirBaseUrl, ...extraLocations].map(normaliseBase);
  const prefixes = bases.map((b) => b.href);
  return (url: string) => {
    for (const prefix of prefixes) {
      if (url.startsWith(prefix)) {
        const rest = url.slice(prefix.length);
        const next = rest.charCodeAt(0);
        // "/", "?", "#" or end of string, and no dot segment or escape that could climb out of the base
        if ((rest === "" || next === 47 || next === 63 || next === 35) && !/\/\.|%2e|%2f|\\/i.test(rest)) return true;
      }
    }
    return slowMatch(url, bases);
  };
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
  if (/%2e|%2f|\\/i.test(u.pathname)) return false;
  return bases.some((b) => u.origin === b.origin && (u.pathname === b.path || u.pathname.startsWith(`${b.path}/`) || (b.path === "" && u.pathname === "/")));
}
