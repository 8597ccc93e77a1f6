import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { assertSecureUrl } from "./endpoint.js";
import { SmartAuthError, SmartAuthErrorCode } from "./errors.js";

/** Options of buildAuthorizeUrl / buildAuthorizeRequest (SMART 2.2 app-launch.html#request-4). */
export interface AuthorizeUrlOptions {
  smartConfig: SmartConfiguration;
  clientId: string;
  /** A redirect URI registered with the server, exactly. */
  redirectUri: string;
  /** Space-separated scopes; `launch` is added when `launch` is given (checklist 2.16). */
  scope: string;
  /** Unguessable, single-use (e.g. generateState()); at least 16 characters. */
  state: string;
  /** The S256 challenge of the code verifier (codeChallengeS256); `plain` is never used. */
  codeChallenge: string;
  /** The FHIR base URL, sent exactly as given (E6); for an EHR launch the received `iss`. */
  aud: string;
  /** The opaque `launch` of an EHR launch, echoed unchanged; omit for a standalone launch. */
  launch?: string;
  /** OpenID Connect nonce; send one whenever `openid` is requested (e.g. generateNonce()). */
  nonce?: string;
  /** More parameters (e.g. `prompt`); they can never replace the ones above (TypeError). */
  extraParams?: Record<string, string>;
  /** Allow a plain-http authorization endpoint on a non-loopback host. */
  allowInsecureRequests?: boolean;
}

export type AuthorizeRequest =
  | { method: "GET"; url: string }
  | { method: "POST"; url: string; form: Record<string, string> };

export interface AuthorizeRequestOptions extends AuthorizeUrlOptions {
  /**
   * `auto` (default) uses POST when the server lists `authorize-post` and the GET URL would be longer
   * than `maxUrlLength` (checklist 2.31); `GET` / `POST` force one.
   */
  method?: "auto" | "GET" | "POST";
  /** Longest GET URL `auto` accepts; default 2000 characters. */
  maxUrlLength?: number;
}

// Parameters the library owns: extra params naming these are refused, never merged.
const PROTECTED = new Set([
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "code_challenge",
  "code_challenge_method",
  "aud",
  "launch",
  "nonce",
  "request",
  "request_uri",
]);

const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

function requireString(value: unknown, name: string, hint: string): string {
  if (typeof value !== "string" || value === "") throw new TypeError(`${name} must be a non-empty string (${hint})`);
  return value;
}

/** Normalised scope string: single spaces, `launch` added for an EHR launch (SMART 2.2 app-launch.html#request-4). */
export function authorizeScope(scope: string, launch: string | undefined): string {
  const tokens = requireString(scope, "scope", 'e.g. "launch/patient openid fhirUser patient/Observation.rs"').trim().split(/\s+/).filter(Boolean);
  if (tokens.length === 0) throw new TypeError("scope must contain at least one scope");
  // E19: scope tokens cannot carry quotes or backslashes (RFC 6749 §3.3)
  if (tokens.some((t) => /["\\]/.test(t))) throw new TypeError('scope tokens must not contain " or \\');
  if (launch !== undefined && !tokens.includes("launch")) tokens.push("launch");
  return tokens.join(" ");
}

/** The ordered authorization request parameters, validated. */
export function authorizeParams(options: AuthorizeUrlOptions): [string, string][] {
  if (typeof options !== "object" || options === null) throw new TypeError("Pass an options object with smartConfig, clientId, redirectUri, scope, state, codeChallenge and aud");
  const clientId = requireString(options.clientId, "clientId", "the client id registered with the server");
  const redirectUri = requireString(options.redirectUri, "redirectUri", "a registered redirect URI");
  try {
    new URL(redirectUri);
  } catch {
    throw new TypeError("redirectUri must be an absolute URL");
  }
  const state = requireString(options.state, "state", "e.g. generateState()");
  if (state.length < 16) throw new TypeError("state must have at least 16 characters of randomness (use generateState())");
  const challenge = requireString(options.codeChallenge, "codeChallenge", "await codeChallengeS256(verifier)");
  if (!CHALLENGE.test(challenge)) throw new TypeError("codeChallenge must be an S256 challenge: 43 base64url characters from codeChallengeS256()");
  const aud = requireString(options.aud, "aud", "the FHIR base URL, for an EHR launch the iss exactly");
  try {
    new URL(aud);
  } catch {
    throw new TypeError("aud must be the absolute FHIR base URL");
  }
  if (options.launch !== undefined) requireString(options.launch, "launch", "the launch parameter received from the EHR");
  if (options.nonce !== undefined) requireString(options.nonce, "nonce", "e.g. generateNonce()");
  const params: [string, string][] = [
    ["response_type", "code"],
    ["client_id", clientId],
    ["redirect_uri", redirectUri],
    ...(options.launch !== undefined ? [["launch", options.launch] as [string, string]] : []),
    ["scope", authorizeScope(options.scope, options.launch)],
    ["state", state],
    ["aud", aud],
    ["code_challenge", challenge],
    // SMART 2.2 app-launch.html#considerations-for-pkce-support: S256 always, never plain
    ["code_challenge_method", "S256"],
    ...(options.nonce !== undefined ? [["nonce", options.nonce] as [string, string]] : []),
  ];
  for (const [name, value] of Object.entries(options.extraParams ?? {})) {
    if (PROTECTED.has(name)) throw new TypeError(`extraParams cannot set "${name}": pass it as its own option`);
    if (typeof value !== "string") throw new TypeError(`extraParams.${name} must be a string`);
    params.push([name, value]);
  }
  return params;
}

function authorizationEndpoint(options: AuthorizeUrlOptions): URL {
  const endpoint = options.smartConfig?.authorization_endpoint;
  if (typeof endpoint !== "string") {
    throw new SmartAuthError("The SMART configuration has no authorization_endpoint (the server offers no App Launch)", {
      code: SmartAuthErrorCode.UnsupportedByServer,
    });
  }
  return assertSecureUrl(endpoint, options.allowInsecureRequests);
}

/**
 * The authorization URL for the browser redirect: `response_type=code`, PKCE S256, `aud` exactly as
 * given, `launch` (with the `launch` scope) for an EHR launch; query parameters already in the
 * authorization endpoint are kept (E9) unless they name a protocol parameter, which we set.
 */
export function buildAuthorizeUrl(options: AuthorizeUrlOptions): string {
  const params = authorizeParams(options);
  const url = authorizationEndpoint(options);
  for (const [name] of params) url.searchParams.delete(name);
  for (const [name, value] of params) url.searchParams.append(name, value);
  return url.href;
}

/**
 * The authorization request as GET or, for servers listing `authorize-post`, as a form POST when the
 * URL would be long (SMART 2.2 scopes-and-launch-context.html#scope-size-over-the-wire). A POST goes
 * to the endpoint URL with its own query kept; render it with renderAuthorizeForm.
 */
export function buildAuthorizeRequest(options: AuthorizeRequestOptions): AuthorizeRequest {
  const method = options.method ?? "auto";
  if (method !== "auto" && method !== "GET" && method !== "POST") throw new TypeError('method must be "auto", "GET" or "POST"');
  const url = buildAuthorizeUrl(options);
  const canPost = Array.isArray(options.smartConfig.capabilities) && options.smartConfig.capabilities.includes("authorize-post");
  const post = method === "POST" || (method === "auto" && canPost && url.length > (options.maxUrlLength ?? 2000));
  if (!post) return { method: "GET", url };
  const endpoint = authorizationEndpoint(options);
  const params = authorizeParams(options);
  for (const [name] of params) endpoint.searchParams.delete(name);
  return { method: "POST", url: endpoint.href, form: Object.fromEntries(params) };
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export interface AuthorizeFormOptions {
  /** CSP nonce for the inline auto-submit script. */
  cspNonce?: string;
  /** Text of the fallback button shown without JavaScript. */
  buttonText?: string;
}

/**
 * A minimal HTML page that POSTs the authorization request (checklist 2.30): every value escaped,
 * submitted by script, with a button for browsers without JavaScript. Serve it with `Cache-Control: no-store`.
 */
export function renderAuthorizeForm(request: AuthorizeRequest, options: AuthorizeFormOptions = {}): string {
  if (request?.method !== "POST" || typeof request.url !== "string") {
    throw new TypeError('renderAuthorizeForm needs a { method: "POST", url, form } request from buildAuthorizeRequest');
  }
  const inputs = Object.entries(request.form)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(String(value))}">`)
    .join("");
  const nonce = options.cspNonce ? ` nonce="${escapeHtml(options.cspNonce)}"` : "";
  return (
    `<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Authorizing…</title></head>` +
    `<body><form method="post" action="${escapeHtml(request.url)}">${inputs}` +
    `<noscript><button type="submit">${escapeHtml(options.buttonText ?? "Continue")}</button></noscript></form>` +
    `<script${nonce}>document.forms[0].submit()</script></body></html>`
  );
}
