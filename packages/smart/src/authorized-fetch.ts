import { waitForAuthorization } from "./abort.js";
import type { AuthProvider } from "./auth-provider.js";
import { plainCall, type PlainCall } from "./plain-call.js";
import { DEFAULT_MAX_REDIRECTS } from "./defaults.js";

export interface AuthorizedFetchOptions {
  /** The fetch to wrap; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Redirects followed by hand, re-deciding the token per hop (default 5). */
  maxRedirects?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One call: a plain one (plain-call.ts), or a general one with the `Request` it was built from. */
interface Call extends PlainCall {
  request?: Request;
  /** The caller's own Authorization header (general path only): sent to the request's own URL, no token asked for. */
  explicit?: string | null;
}

/**
 * A `fetch` that adds the provider's token to requests under its FHIR base, never to any other URL,
 * redirects included (checklist E21); on a 401 it calls `onUnauthorized` and retries once (E20).
 * A string or URL with a plain init and a resendable body skips building a `Request` (plain-call.ts);
 * anything else (a `Request`, a stream, `Headers`) goes through `Request`. Both apply the same rules.
 */
export function createAuthorizedFetch(auth: AuthProvider, options: AuthorizedFetchOptions = {}): typeof fetch {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  return (input, init) => {
    const baseFetch = options.fetch ?? globalThis.fetch;
    let plain: PlainCall | undefined;
    try {
      plain = plainCall(input, init);
    } catch {
      // an init whose getters throw: the general path rejects with the same error, as fetch would
    }
    if (plain !== undefined) return follow(auth, baseFetch, maxRedirects, plain);
    return generalCall(input, init).then((call) => follow(auth, baseFetch, maxRedirects, call));
  };
}

async function generalCall(input: RequestInfo | URL, init: RequestInit | undefined): Promise<Call> {
  const request = new Request(input, init);
  // A streamed body cannot be sent twice: buffer it once so a 401 retry and 307/308 can resend it.
  const body = request.body === null ? undefined : await request.arrayBuffer();
  return {
    url: request.url,
    method: request.method,
    body,
    headers: undefined,
    redirect: request.redirect,
    signal: request.signal,
    request,
    explicit: request.headers.get("authorization"),
  };
}

function headersFor(call: Call, url: string, authorization: string | undefined): HeadersInit | undefined {
  const { request, explicit } = call;
  // plain call: the caller's record (without Authorization, see plain-call.ts), plus the token if any
  if (request === undefined) {
    if (authorization === undefined) return call.headers;
    return call.headers === undefined ? { authorization } : { ...call.headers, authorization };
  }
  const headers = new Headers(request.headers);
  headers.delete("authorization");
  // the caller's own Authorization goes to the URL it was set for, never to a redirect target
  if (explicit != null && url === request.url) headers.set("authorization", explicit);
  else if (authorization !== undefined) headers.set("authorization", authorization);
  return headers;
}

async function follow(
  auth: AuthProvider,
  baseFetch: typeof fetch,
  maxRedirects: number,
  call: Call,
): Promise<Response> {
  let { url, method } = call;
  let withBody = call.body !== undefined;
  for (let hop = 0; ; hop++) {
    let response: Response;
    for (let retried = false; ; retried = true) {
      const { signal } = call;
      let authorization =
        call.explicit != null ? undefined : auth.getAuthorization(signal ? { url, method, signal } : { url, method });
      // a caller that gives up stops waiting for a token; the shared token request goes on (issue 19)
      if (authorization !== undefined && typeof authorization !== "string")
        authorization = await (signal ? waitForAuthorization(authorization, signal) : authorization);
      // only the members in use: fetch converts each one given, even undefined or its default (BENCHMARKS.md,
      // whole request: an explicit method "GET" alone cost about 1 % of a loopback request)
      const init: RequestInit = { headers: headersFor(call, url, authorization), redirect: "manual" };
      if (method !== "GET") init.method = method;
      if (withBody) init.body = call.body as BodyInit;
      if (call.signal != null) init.signal = call.signal;
      response = await baseFetch(url, init);
      // E20: one retry after onUnauthorized, never a loop
      if (response.status !== 401 || authorization === undefined || retried || !auth.onUnauthorized) break;
      await response.body?.cancel();
      await auth.onUnauthorized();
    }
    if (!REDIRECTS.has(response.status) || call.redirect === "manual") return response;
    const location = response.headers.get("location");
    if (location === null) return response;
    if (call.redirect === "error" || hop >= maxRedirects) {
      throw new TypeError(`Too many redirects or redirect refused (redirect: "${call.redirect}")`);
    }
    await response.body?.cancel();
    url = new URL(location, url).href;
    // 303, and 301/302 after POST, become GET without a body (Fetch standard §4.4).
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
      method = method === "HEAD" ? "HEAD" : "GET";
      withBody = false;
    }
  }
}
