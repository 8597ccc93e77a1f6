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

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

export function plainCall(input: RequestInfo | URL, init: RequestInit | undefined): PlainCall | undefined {
  const href = typeof input === "string" ? parsedHref(input) : urlHref(input);
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

// One parse (URL.canParse, then new URL, parsed twice: about 1.5 % of a loopback request, BENCHMARKS.md).
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
