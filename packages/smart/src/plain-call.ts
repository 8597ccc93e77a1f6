/**
 * The common `fetch(url, init)` call recognised without building a `Request` (which, with its `Headers`
 * copy, was most of the cost of an authorized fetch: BENCHMARKS.md, whole request). Only inputs whose
 * `Request` would hold exactly what `fetch` is then given qualify; anything else returns undefined and
 * takes the general path, so the two paths send the same method, headers and body.
 */
export interface PlainCall {
  url: string;
  method: string;
  /** A body `fetch` can send again as is (401 retry, 307/308): never a stream. */
  body: BodyInit | undefined;
  /** The caller's headers, a plain record without Authorization, or undefined. */
  headers: Record<string, string> | undefined;
  redirect: RequestRedirect;
  signal: AbortSignal | null | undefined;
}

// Methods a Request keeps as given (already normalised; Fetch standard "normalize a method").
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]);
const REDIRECT_MODES = new Set(["follow", "manual", "error"]);
// Every other RequestInit member (mode, credentials, window, duplex, ...) is validated by Request: general path.
const KEYS = new Set(["method", "headers", "body", "redirect", "signal"]);

// An absolute http(s) URL already in the form the URL parser gives back (href === input), so it needs no parse
// (a third of the wrapper's cost per request: BENCHMARKS.md, whole request): lowercase scheme and host, the
// host's last label starting with a letter (never an IPv4 form the parser rewrites) or a dotted quad without
// leading zeros, no `xn--` label; a port without leading zeros, not 80 or 443; a path without `.`, `%` or `\`
// and no character the parser percent-encodes; a query of unreserved characters, sub-delims but `'`, and
// `:@/?%|`; no fragment. Anything else is parsed (https://url.spec.whatwg.org/#concept-basic-url-parser).
const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const CANONICAL = new RegExp(
  "^https?://" +
    `(?:(?:${OCTET}\\.){3}${OCTET}|(?:(?!xn--)[a-z0-9-]+\\.)*(?!xn--)[a-z][a-z0-9-]*)` +
    "(?::(?!80(?!\\d)|443(?!\\d))(?:[1-9]\\d{0,3}|[1-5]\\d{4}|6[0-4]\\d{3}|65[0-4]\\d{2}|655[0-2]\\d|6553[0-5]))?" +
    "(?:/[A-Za-z0-9_~!$&()*+,;=:@-]*)+" +
    "(?:\\?[A-Za-z0-9._~!$&()*+,;=:@/?%|-]*)?$",
);
const MAX_CANONICAL = 2_048;

/** `input` itself when it is an href the URL parser would return unchanged (see CANONICAL), else undefined. */
export function canonicalHref(input: string): string | undefined {
  return input.length <= MAX_CANONICAL && CANONICAL.test(input) ? input : undefined;
}

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

export function plainCall(input: RequestInfo | URL, init: RequestInit | undefined): PlainCall | undefined {
  const href = typeof input === "string" ? (canonicalHref(input) ?? parsedHref(input)) : urlHref(input);
  if (href === undefined) return undefined;
  if (init === undefined || init === null) {
    return { url: href, method: "GET", body: undefined, headers: undefined, redirect: "follow", signal: undefined };
  }
  if (typeof init !== "object" || !isPlainObject(init)) return undefined;
  for (const key in init) if (!KEYS.has(key)) return undefined;

  const method = init.method ?? "GET";
  if (!METHODS.has(method)) return undefined;
  const redirect = init.redirect ?? "follow";
  if (!REDIRECT_MODES.has(redirect)) return undefined;

  const body = init.body ?? undefined;
  if (body !== undefined) {
    if (method === "GET" || method === "HEAD") return undefined; // Request throws
    if (
      !(
        typeof body === "string" ||
        body instanceof ArrayBuffer ||
        (ArrayBuffer.isView(body) && body.buffer instanceof ArrayBuffer) ||
        body instanceof URLSearchParams
      )
    )
      return undefined;
  }

  const headers = init.headers ?? undefined;
  if (headers !== undefined) {
    if (typeof headers !== "object" || !isPlainObject(headers)) return undefined;
    for (const name in headers) {
      // the caller's own Authorization has its own rule (kept for its URL only): general path
      if (name.length === 13 && name.toLowerCase() === "authorization") return undefined;
      if (typeof (headers as Record<string, unknown>)[name] !== "string") return undefined;
    }
    if (Object.getOwnPropertySymbols(headers).length > 0) return undefined;
  }
  return {
    url: href,
    method,
    body: body as PlainCall["body"],
    headers: headers as Record<string, string> | undefined,
    redirect,
    signal: init.signal,
  };
}

function parsedHref(input: string): string | undefined {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return undefined; // the general path throws Request's TypeError
  }
  return urlHref(url);
}

function urlHref(input: RequestInfo | URL): string | undefined {
  if (!(input instanceof URL)) return undefined;
  // a URL with credentials is refused by Request (Fetch standard, Request constructor step 5.3)
  return input.username === "" && input.password === "" ? input.href : undefined;
}
