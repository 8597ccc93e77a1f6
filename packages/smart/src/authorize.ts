import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { assertSecureUrl } from "./endpoint.js";
import { SmartAuthErrorCode, fail, needs, requireOptions } from "./errors.js";
import { DEFAULT_MAX_AUTHORIZE_URL_LENGTH } from "./defaults.js";

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
const PROTECTED =
  "response_type client_id redirect_uri scope state code_challenge code_challenge_method aud launch nonce request request_uri".split(
    " ",
  );

function requireString(
  value: unknown,
  what: string,
  valid: (value: string) => boolean = Boolean,
  who = "buildAuthorizeUrl",
): string {
  if (typeof value !== "string" || !valid(value)) needs(who, what);
  return value as string;
}

/** Normalised scope string: single spaces, `launch` added for an EHR launch (SMART 2.2 app-launch.html#request-4). */
export function authorizeScope(scope: string, launch: string | undefined, who?: string): string {
  const tokens = requireString(
    scope?.trim?.(),
    'scope, e.g. "launch/patient openid fhirUser patient/Observation.rs"',
    Boolean,
    who,
  ).split(/\s+/);
  // E19: scope tokens cannot carry quotes or backslashes (RFC 6749 §3.3)
  if (/["\\]/.test(scope)) throw new TypeError('scope tokens must not contain " or \\');
  if (launch !== undefined && !tokens.includes("launch")) tokens.push("launch");
  return tokens.join(" ");
}

/** The ordered authorization request parameters, validated. */
export function authorizeParams(options: AuthorizeUrlOptions): [string, string][] {
  const {
    clientId,
    redirectUri,
    state,
    codeChallenge,
    aud,
    launch,
    nonce,
    extraParams = {},
  } = requireOptions("buildAuthorizeUrl", options);
  const params: [string, string | undefined][] = [
    ["response_type", "code"],
    ["client_id", requireString(clientId, "clientId (the client id registered with the server)")],
    ["redirect_uri", requireString(redirectUri, "redirectUri (a registered absolute URL)", URL.canParse)],
    ["launch", launch === undefined ? launch : requireString(launch, "launch (the parameter received from the EHR)")],
    ["scope", authorizeScope(options.scope, launch)],
    ["state", requireString(state, "state of at least 16 random characters (generateState())", (v) => v.length >= 16)],
    ["aud", requireString(aud, "aud (the absolute FHIR base URL, for an EHR launch the iss exactly)", URL.canParse)],
    [
      "code_challenge",
      requireString(codeChallenge, "codeChallenge (S256, from await codeChallengeS256(verifier))", (v) =>
        /^[\w-]{43}$/.test(v),
      ),
    ],
    // SMART 2.2 app-launch.html#considerations-for-pkce-support: S256 always, never plain
    ["code_challenge_method", "S256"],
    ["nonce", nonce === undefined ? nonce : requireString(nonce, "nonce (e.g. generateNonce())")],
  ];
  for (const [name, value] of Object.entries(extraParams)) {
    if (PROTECTED.includes(name)) throw new TypeError(`extraParams cannot set "${name}": pass it as its own option`);
    if (typeof value !== "string") throw new TypeError(`extraParams.${name} must be a string`);
    params.push([name, value]);
  }
  return params.filter((p): p is [string, string] => p[1] !== undefined);
}

// The endpoint URL without the protocol parameters (its other query parameters are kept, E9), and the parameters.
function prepare(options: AuthorizeUrlOptions): [URL, [string, string][]] {
  const params = authorizeParams(options);
  const endpoint = options.smartConfig?.authorization_endpoint;
  if (typeof endpoint !== "string") {
    throw fail(
      SmartAuthErrorCode.UnsupportedByServer,
      "The SMART configuration has no authorization_endpoint (the server offers no App Launch)",
    );
  }
  const url = assertSecureUrl(endpoint, options.allowInsecureRequests);
  for (const [name] of params) url.searchParams.delete(name);
  return [url, params];
}

/**
 * The authorization URL for the browser redirect: `response_type=code`, PKCE S256, `aud` exactly as
 * given, `launch` (with the `launch` scope) for an EHR launch; query parameters already in the
 * authorization endpoint are kept (E9) unless they name a protocol parameter, which we set.
 */
export function buildAuthorizeUrl(options: AuthorizeUrlOptions): string {
  return withParams(...prepare(options));
}

function withParams(endpoint: URL, params: [string, string][]): string {
  const url = new URL(endpoint);
  for (const [name, value] of params) url.searchParams.append(name, value);
  return url.href;
}

/**
 * The authorization request as GET or, for servers listing `authorize-post`, as a form POST when the
 * URL would be long (SMART 2.2 scopes-and-launch-context.html#scope-size-over-the-wire). A POST goes
 * to the endpoint URL with its own query kept; render it with renderAuthorizeForm.
 */
export function buildAuthorizeRequest(options: AuthorizeRequestOptions): AuthorizeRequest {
  const method = options?.method ?? "auto";
  if (!["auto", "GET", "POST"].includes(method)) throw new TypeError('method must be "auto", "GET" or "POST"');
  const [endpoint, params] = prepare(options);
  const url = withParams(endpoint, params);
  const post =
    method === "POST" ||
    (method === "auto" &&
      Array.isArray(options.smartConfig.capabilities) &&
      options.smartConfig.capabilities.includes("authorize-post") &&
      url.length > (options.maxUrlLength ?? DEFAULT_MAX_AUTHORIZE_URL_LENGTH));
  return post ? { method: "POST", url: endpoint.href, form: Object.fromEntries(params) } : { method: "GET", url };
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
