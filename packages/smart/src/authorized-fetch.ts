import { waitForAuthorization } from "./abort.js";
import type { AuthProvider } from "./auth-provider.js";

export interface AuthorizedFetchOptions {
  /** The fetch to wrap; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Redirects followed by hand, re-deciding the token per hop (default 5). */
  maxRedirects?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * A `fetch` that adds the provider's token to requests under its FHIR base, never to any other URL,
 * redirects included (checklist E21); on a 401 it calls `onUnauthorized` and retries once (E20).
 */
export function createAuthorizedFetch(auth: AuthProvider, options: AuthorizedFetchOptions = {}): typeof fetch {
  const maxRedirects = options.maxRedirects ?? 5;
  return async (input, init) => {
    const baseFetch = options.fetch ?? globalThis.fetch;
    const request = new Request(input, init);
    // A streamed body cannot be sent twice: buffer it once so a 401 retry and 307/308 can resend it.
    const body = request.body === null ? undefined : await request.arrayBuffer();
    const send = async (url: string, method: string, withBody: boolean, retried: boolean): Promise<Response> => {
      const headers = new Headers(request.headers);
      headers.delete("authorization");
      const authorization = request.headers.has("authorization")
        ? undefined
        : await waitForAuthorization(auth.getAuthorization({ url, method, signal: request.signal }), request.signal);
      const explicit = request.headers.get("authorization");
      if (explicit !== null && url === request.url) headers.set("authorization", explicit);
      else if (authorization !== undefined) headers.set("authorization", authorization);
      const response = await baseFetch(url, {
        method,
        headers,
        body: withBody ? body : undefined,
        redirect: "manual",
        signal: request.signal,
      });
      if (response.status === 401 && authorization !== undefined && !retried && auth.onUnauthorized) {
        await response.body?.cancel();
        await auth.onUnauthorized();
        return send(url, method, withBody, true);
      }
      return response;
    };

    let url = request.url;
    let method = request.method;
    let withBody = body !== undefined;
    for (let hop = 0; ; hop++) {
      const response = await send(url, method, withBody, false);
      const location = response.headers.get("location");
      if (!REDIRECTS.has(response.status) || location === null || request.redirect === "manual") return response;
      if (request.redirect === "error" || hop >= maxRedirects) {
        throw new TypeError(`Too many redirects or redirect refused (redirect: "${request.redirect}")`);
      }
      await response.body?.cancel();
      url = new URL(location, url).href;
      // 303, and 301/302 after POST, become GET without a body (Fetch standard §4.4).
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
        method = method === "HEAD" ? "HEAD" : "GET";
        withBody = false;
      }
    }
  };
}
