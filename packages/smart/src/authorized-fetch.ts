import type { AuthProvider } from "./auth-provider.js";
import { plainCall, type PlainCall } from "./plain-call.js";

export interface AuthorizedFetchOptions {
  /** The fetch to wrap; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Redirects followed by hand, re-deciding the token per hop (default 5). */
  maxRedirects?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One call, whichever path built it: what to send and how to build each hop's headers. */
interface Call {
  url: string;
  method: string;
  body: BodyInit | undefined;
  redirect: RequestRedirect;
  signal: AbortSignal | null | undefined;
  /** The caller set an Authorization header: no token is asked for. */
  explicit: boolean;
  headers(url: string, authorization: string | undefined): HeadersInit | undefined;
}

/**
 * A `fetch` that adds the provider's token to requests under its FHIR base, never to any other URL,
 * redirects included (checklist E21); on a 401 it calls `onUnauthorized` and retries once (E20).
 * A string or URL with a plain init and a resendable body skips building a `Request` (plain-call.ts);
 * anything else (a `Request`, a stream, `Headers`) goes through `Request`. Both apply the same rules.
 */
export function createAuthorizedFetch(auth: AuthProvider, options: AuthorizedFetchOptions = {}): typeof fetch {
  const maxRedirects = options.maxRedirects ?? 5;
  return async (input, init) => {
    const baseFetch = options.fetch ?? globalThis.fetch;
    const plain = plainCall(input, init);
    const call = plain === undefined ? await generalCall(input, init) : fastCall(plain);
    return follow(auth, baseFetch, maxRedirects, call);
  };
}

function fastCall(plain: PlainCall): Call {
  const given = plain.headers;
  return {
    ...plain,
    explicit: false,
    headers: (_url, authorization) => (authorization === undefined ? given : { ...given, authorization }),
  };
}

async function generalCall(input: RequestInfo | URL, init: RequestInit | undefined): Promise<Call> {
  const request = new Request(input, init);
  // A streamed body cannot be sent twice: buffer it once so a 401 retry and 307/308 can resend it.
  const body = request.body === null ? undefined : await request.arrayBuffer();
  const explicit = request.headers.get("authorization");
  return {
    url: request.url,
    method: request.method,
    body,
    redirect: request.redirect,
    signal: request.signal,
    explicit: explicit !== null,
    headers: (url, authorization) => {
      const headers = new Headers(request.headers);
      headers.delete("authorization");
      // the caller's own Authorization goes to the URL it was set for, never to a redirect target
      if (explicit !== null && url === request.url) headers.set("authorization", explicit);
      else if (authorization !== undefined) headers.set("authorization", authorization);
      return headers;
    },
  };
}

async function follow(auth: AuthProvider, baseFetch: typeof fetch, maxRedirects: number, call: Call): Promise<Response> {
  const send = async (url: string, method: string, withBody: boolean, retried: boolean): Promise<Response> => {
    const authorization = call.explicit ? undefined : await auth.getAuthorization({ url, method });
    const response = await baseFetch(url, {
      method,
      headers: call.headers(url, authorization),
      body: withBody ? call.body : undefined,
      redirect: "manual",
      signal: call.signal,
    });
    if (response.status === 401 && authorization !== undefined && !retried && auth.onUnauthorized) {
      await response.body?.cancel();
      await auth.onUnauthorized();
      return send(url, method, withBody, true);
    }
    return response;
  };

  let { url, method } = call;
  let withBody = call.body !== undefined;
  for (let hop = 0; ; hop++) {
    const response = await send(url, method, withBody, false);
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
