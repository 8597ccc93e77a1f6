/**
 * The one URL policy of every @fhir-dsl package: what a FHIR base is, which URLs are under it (so a token
 * may go there, SMART 2.2 app-launch.html#app-protection, checklist E21) and when plain http is allowed.
 * Everything here runs in time linear in its input (no backtracking regular expression sees outside input)
 * and is browser-safe.
 */

/** Longest `iss`, callback or FHIR base URL accepted (8 KiB); longer ones are refused before any other step. */
export const MAX_URL_LENGTH = 8192;

/** A FHIR base in comparison form: lower-case scheme and host, no default port, no trailing slash. */
export interface FhirBase {
  /** `https://ehr.example.com` */
  origin: string;
  /** `/r4` (no trailing slash; `""` for a base at the host root). */
  path: string;
  /** origin + path */
  href: string;
}

/** `text` without its trailing `/` characters, in one linear pass (a `/\/+$/` replace is quadratic). */
export function trimTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x2f) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** `text` without its leading `/` characters. */
export function trimLeadingSlashes(text: string): string {
  let start = 0;
  while (start < text.length && text.charCodeAt(start) === 0x2f) start++;
  return start === 0 ? text : text.slice(start);
}

// Anchored and bounded, so linear; the URL parser has already lower-cased the host and written IPv4 in dotted decimal
const LOOPBACK = /^(?:localhost|\[::1\]|127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/**
 * `localhost`, `[::1]` or 127.0.0.0/8, given a hostname as the URL parser returns it: RFC 8252 §8.3
 * loopback, where plain http cannot be intercepted off the machine.
 */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

/**
 * Whether `url` may carry tokens or secrets: https always; plain http only to a loopback host or when the
 * user opted in with `allowInsecureRequests` (checklist 2.1); any other scheme never.
 */
export function isTransportAllowed(url: URL, allowInsecureRequests?: boolean): boolean {
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && (allowInsecureRequests === true || isLoopbackHost(url.hostname));
}

/** Plain http to a host that is not loopback, and not opted in: the one "insecure" rule. */
export function isPlainHttpRefused(url: URL, allowInsecureRequests?: boolean): boolean {
  return url.protocol === "http:" && !isTransportAllowed(url, allowInsecureRequests);
}

/** The URL, parsed, when it is a string or URL of at most MAX_URL_LENGTH characters that parses. */
export function parseUrl(value: unknown): URL | undefined {
  if (value instanceof URL) return value.href.length <= MAX_URL_LENGTH ? value : undefined;
  if (typeof value !== "string" || value.length > MAX_URL_LENGTH) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** A FHIR base in comparison form (E6: scheme/host case, default port, trailing slash); undefined when unusable. */
export function parseFhirBase(value: string | URL): FhirBase | undefined {
  const u = parseUrl(value);
  if (!u || (u.protocol !== "https:" && u.protocol !== "http:")) return undefined;
  const path = trimTrailingSlashes(u.pathname);
  return { origin: u.origin, path, href: u.origin + path };
}

/**
 * Compare FHIR bases as E6 asks for internal comparisons: scheme/host case, default port, trailing slash
 * (the query is kept). Undefined for a value that is not an absolute URL or is longer than MAX_URL_LENGTH.
 */
export function normaliseBaseUrl(value: string): string | undefined {
  const u = parseUrl(value);
  return u && `${u.origin}${trimTrailingSlashes(u.pathname)}${u.search}`;
}

const SLASH = 0x2f;
// A backslash; %2e, %2f or %5c (an encoded `.`, `/` or `\` a server may decode before resolving the path); or a
// segment that is `.` or `..`, alone or before `;params` (`;` or `%3b`, for a proxy that decodes first). Linear: no quantifier but `?` on one character.
const AMBIGUOUS = /\\|%(?:2[ef]|5c)|(?:^|\/)\.\.?(?:[;/]|%3b|$)/i;

/**
 * True when a server could resolve `pathname` to another place than the URL parser did: a backslash, an
 * encoded dot, slash or backslash, or a dot segment carrying path parameters (`..;x`, `.;`), which servlet
 * containers (Tomcat, Jetty) strip before resolving `..` (so `<base>/..;/admin` leaves the base there).
 */
export function hasAmbiguousPath(pathname: string): boolean {
  return AMBIGUOUS.test(pathname);
}

/**
 * Whether `url` is the FHIR base or under it: same origin, the base path followed by nothing, `/` or a
 * query, and no ambiguous path (see hasAmbiguousPath). This is the exact rule; fhirBaseMatcher in
 * @fhir-dsl/smart answers the same faster for common URLs.
 */
export function isUnderFhirBase(url: string | URL, base: string | URL | FhirBase): boolean {
  const b = typeof base === "object" && !(base instanceof URL) ? base : parseFhirBase(base);
  if (!b) return false;
  let u: URL;
  try {
    u = url instanceof URL ? url : new URL(url);
  } catch {
    return false;
  }
  if (u.origin !== b.origin) return false;
  const path = u.pathname;
  const under =
    path === b.path ||
    (b.path === "" && path === "/") ||
    (path.startsWith(b.path) && path.charCodeAt(b.path.length) === SLASH);
  return under && !hasAmbiguousPath(path);
}
