import { SmartAuthError } from "./errors.js";

// Form fields that carry a one-time or long-lived credential (RFC 6749 §4.1.3, §6; RFC 7523; RFC 7662/7009 `token`).
const SECRET_FIELDS = ["code", "code_verifier", "refresh_token", "client_secret", "client_assertion", "token"];
const MIN_LENGTH = 6;

/**
 * A fetch that keeps every request it sends in `sent`, so an error built from the answer can be
 * cleaned of the credentials they carried (see withoutEcho). The credentials are read out only
 * then: a successful request pays nothing for it.
 */
export function recordingFetch(base: typeof fetch | undefined, sent: RequestInit[]): typeof fetch {
  return (input, init) => {
    if (init) sent.push(init);
    return (base ?? globalThis.fetch)(input, init);
  };
}

/** The credentials the requests carried (secret form fields, Authorization credentials), as sent and encoded. */
function secretsOf(requests: readonly RequestInit[]): Set<string> {
  const secrets = new Set<string>();
  for (const init of requests) {
    try {
      collect(init, secrets);
    } catch {
      // an unreadable body or header is simply not recorded
    }
  }
  return secrets;
}

function collect(init: RequestInit, sent: Set<string>): void {
  const body = init.body;
  const form =
    typeof body === "string" ? new URLSearchParams(body) : body instanceof URLSearchParams ? body : undefined;
  for (const name of SECRET_FIELDS) add(sent, form?.get(name));
  const authorization = new Headers(init.headers).get("authorization");
  if (!authorization) return;
  const [scheme = "", credentials = ""] = authorization.split(/\s+/, 2);
  add(sent, credentials);
  if (scheme.toLowerCase() !== "basic") return;
  const decoded = new TextDecoder().decode(Uint8Array.from(atob(credentials), (c) => c.charCodeAt(0)));
  const secret = decoded.slice(decoded.indexOf(":") + 1);
  add(sent, secret);
  add(sent, decodeURIComponent(secret.replace(/\+/g, " ")));
}

function add(sent: Set<string>, value: string | null | undefined): void {
  if (typeof value !== "string" || value.length < MIN_LENGTH) return;
  sent.add(value);
  sent.add(encodeURIComponent(value));
  sent.add(new URLSearchParams({ v: value }).toString().slice(2));
}

// Whether an error's cause chain (message, own enumerable fields such as oauth4webapi's body `cause`) quotes a secret.
function quotes(value: unknown, sent: ReadonlySet<string>, depth = 0): boolean {
  if (depth > 5 || value === undefined || value === null) return false;
  let text: string;
  try {
    text = typeof value === "object" ? `${(value as Error).message ?? ""} ${JSON.stringify(value)}` : String(value);
  } catch {
    return true;
  }
  if ([...sent].some((secret) => text.includes(secret))) return true;
  return typeof value === "object" && quotes((value as { cause?: unknown }).cause, sent, depth + 1);
}

/**
 * A server may echo the request into `error_description`, `error_uri` or a body that becomes a `cause`:
 * the same error with every credential of `sent` cut out, and without a cause that quotes one.
 */
export function withoutEcho(error: unknown, requests: readonly RequestInit[]): unknown {
  if (!SmartAuthError.is(error)) return error;
  const sent = secretsOf(requests);
  if (sent.size === 0) return error;
  const scrub = (text: string | undefined) =>
    text && [...sent].reduce((out, secret) => out.split(secret).join("[redacted]"), text);
  return new SmartAuthError(scrub(error.message)!, {
    ...error,
    error: scrub(error.error),
    errorDescription: scrub(error.errorDescription),
    errorUri: scrub(error.errorUri),
    cause: quotes(error.cause, sent) ? undefined : error.cause,
    response: error.response,
  });
}
