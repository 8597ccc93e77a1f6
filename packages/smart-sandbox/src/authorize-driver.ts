import { SandboxError, SandboxErrorCode } from "./errors.js";
import type { AuthorizeInit } from "./types.js";

interface Cookie {
  name: string;
  value: string;
  path: string;
}

/** A minimal cookie jar for one simulated browser. */
export class CookieJar {
  private readonly cookies = new Map<string, Cookie>();

  store(setCookies: string[], requestPath: string): void {
    for (const line of setCookies) {
      const [pair = "", ...attrs] = line.split(";").map((p) => p.trim());
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = requestPath.slice(0, requestPath.lastIndexOf("/") + 1) || "/";
      let expired = false;
      for (const attr of attrs) {
        const [k = "", v = ""] = attr.split("=");
        const key = k.toLowerCase();
        if (key === "path" && v) path = v;
        if (key === "max-age" && Number(v) <= 0) expired = true;
        if (key === "expires" && Date.parse(v) <= Date.now()) expired = true;
      }
      const id = `${name};${path}`;
      if (expired) this.cookies.delete(id);
      else this.cookies.set(id, { name, value, path });
    }
  }

  header(path: string): string | undefined {
    const out = [...this.cookies.values()]
      .filter((c) => path === c.path || path.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`);
    return out.length ? out.join("; ") : undefined;
  }
}

const MAX_HOPS = 20;

/**
 * Plays the browser: authorize -> interaction -> consent -> redirect, following only redirects inside
 * the issuer's path, and returns the first redirect that leaves it (the app's redirect_uri) without fetching it.
 */
export async function driveAuthorization(
  issuer: string,
  authorizeUrl: string | URL,
  init: AuthorizeInit = {},
): Promise<URL> {
  let current: URL;
  try {
    current = new URL(authorizeUrl);
  } catch (cause) {
    throw new TypeError("authorize(authorizeUrl) takes an absolute URL of the sandbox's authorization endpoint", {
      cause,
    });
  }
  const issuerUrl = new URL(issuer);
  const insideIssuer = (u: URL) =>
    u.origin === issuerUrl.origin &&
    (u.pathname === issuerUrl.pathname || u.pathname.startsWith(`${issuerUrl.pathname}/`));
  if (!insideIssuer(current)) {
    throw new TypeError(`authorize(authorizeUrl) takes a URL under the sandbox issuer ${issuer}`);
  }
  const method = init.method ?? (init.body ? "POST" : "GET");
  if (method !== "GET" && method !== "POST") throw new TypeError('authorize init.method must be "GET" or "POST"');

  const jar = new CookieJar();
  let body: URLSearchParams | undefined = method === "POST" ? (init.body ?? new URLSearchParams()) : undefined;
  for (let hop = 0; hop < MAX_HOPS; hop += 1) {
    const headers: Record<string, string> = { accept: "application/json" };
    const cookie = jar.header(current.pathname);
    if (cookie) headers.cookie = cookie;
    if (body) headers["content-type"] = "application/x-www-form-urlencoded";
    const res = await fetch(current, {
      method: body ? "POST" : "GET",
      headers,
      body: body?.toString(),
      redirect: "manual",
    });
    body = undefined;
    jar.store(res.headers.getSetCookie(), current.pathname);
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      const next = new URL(location, current);
      if (!insideIssuer(next)) return next;
      current = next;
      continue;
    }
    throw await refusal(res);
  }
  throw new SandboxError(
    SandboxErrorCode.AuthorizeFailed,
    `the authorization flow did not reach the app after ${MAX_HOPS} redirects`,
  );
}

/** The error for an authorization endpoint that answered instead of redirecting: its status and OAuth error. */
async function refusal(res: Response): Promise<SandboxError> {
  const text = await res.text();
  let error: string | undefined;
  let errorDescription: string | undefined;
  try {
    const json = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    if (typeof json.error === "string") error = json.error;
    if (typeof json.error_description === "string") errorDescription = json.error_description;
  } catch {
    // an HTML or empty page: keep the status only
  }
  return new SandboxError(
    SandboxErrorCode.AuthorizeFailed,
    `the authorization endpoint answered ${res.status}${error ? ` ${error}` : ""}${errorDescription ? `: ${errorDescription}` : ""} instead of redirecting to the app`,
    { status: res.status, error, errorDescription, response: text },
  );
}
