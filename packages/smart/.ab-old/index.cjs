'use strict';

var smartScopes = require('@fhir-dsl/smart-scopes');
var smartPkce = require('@fhir-dsl/smart-pkce');
var smartDiscovery = require('@fhir-dsl/smart-discovery');
var tokenStore = require('@fhir-dsl/token-store');
var oauth = require('oauth4webapi');

function _interopNamespace(e) {
  if (e && e.__esModule) return e;
  var n = Object.create(null);
  if (e) {
    Object.keys(e).forEach(function (k) {
      if (k !== 'default') {
        var d = Object.getOwnPropertyDescriptor(e, k);
        Object.defineProperty(n, k, d.get ? d : {
          enumerable: true,
          get: function () { return e[k]; }
        });
      }
    });
  }
  n.default = e;
  return Object.freeze(n);
}

var oauth__namespace = /*#__PURE__*/_interopNamespace(oauth);

// src/index.ts
var discoveredFrom = /* @__PURE__ */ new WeakMap();
async function discoverSmartConfiguration(fhirBaseUrl, options) {
  const config = await smartDiscovery.discoverSmartConfiguration(fhirBaseUrl, options);
  discoveredFrom.set(config, String(fhirBaseUrl).replace(/\/+$/, ""));
  return config;
}
function fhirBaseOf(config) {
  return discoveredFrom.get(config);
}

// src/errors.ts
var MARKER = /* @__PURE__ */ Symbol.for("@fhir-dsl/smart/SmartAuthError");
var SmartAuthErrorCode = {
  /** The token endpoint answered with an OAuth error (see `error`, `errorDescription`, `status`). */
  TokenEndpoint: "token_endpoint_error",
  /** The token endpoint answered 2xx with a body that is not a usable token response. */
  InvalidTokenResponse: "invalid_token_response",
  /** The request never got an HTTP answer (connection refused/reset, DNS). */
  Network: "network_error",
  /** The request timed out (`timeoutMs`) or was aborted. */
  Timeout: "timeout",
  /** The grant is gone (`invalid_grant` on refresh, or no refresh token): the user must authorize again. */
  ReauthorizationRequired: "reauthorization_required",
  /** The authorization redirect carried `error` (e.g. `access_denied`). */
  AuthorizationDenied: "authorization_denied",
  /** The redirect's `state` is missing, unknown, expired or already used (checklist 2.3, E12). */
  InvalidState: "invalid_state",
  /** The redirect has neither `code` nor `error`, or is otherwise malformed (E9). */
  InvalidCallback: "invalid_callback",
  /** An EHR launch `iss` is not on the allow-list (E15). */
  UntrustedIssuer: "untrusted_issuer",
  /** A plain-http URL on a non-loopback host, without `allowInsecureRequests` (checklist 2.1). */
  InsecureUrl: "insecure_url",
  /** The id_token failed verification (signature, iss, aud, exp, nonce) (checklist 4.x, E18). */
  InvalidIdToken: "invalid_id_token",
  /** The server lacks what the operation needs (e.g. no introspection_endpoint, no jwks_uri). */
  UnsupportedByServer: "unsupported_by_server",
  /** Introspection or revocation failed. */
  Introspection: "introspection_error",
  Revocation: "revocation_error",
  /** The token store failed; the store's error is the `cause`. */
  TokenStore: "token_store_error",
  /** Another process held the refresh lock and no fresh token appeared within the lease. */
  RefreshLockTimeout: "refresh_lock_timeout"
};
var SmartAuthError = class extends Error {
  name = "SmartAuthError";
  constructor(message, { code, error, errorDescription, errorUri, status, retryable = false, cause, response }) {
    super(message, cause === void 0 ? void 0 : { cause });
    Object.assign(this, { code, error, errorDescription, errorUri, status, retryable });
    Object.defineProperties(this, { response: { value: response }, [MARKER]: { value: true } });
  }
  /** True for a SmartAuthError from any copy of this package. */
  static is(value) {
    return value?.[MARKER] === true;
  }
  toJSON() {
    return { ...this, message: this.message };
  }
};
var fail = (code, message) => new SmartAuthError(message, { code });
function needs(who, what) {
  throw new TypeError(`${who} needs ${what}`);
}
function text(who, value, what) {
  if (typeof value !== "string" || value === "") needs(who, what);
  return value;
}
function requireOptions(who, options, config) {
  if (typeof options !== "object" || options === null) needs(who, "an options object");
  if (config && typeof options.smartConfig?.token_endpoint !== "string") {
    needs(who, "smartConfig (from discoverSmartConfiguration)");
  }
  return options;
}
function printableUrl(url) {
  try {
    const u = new URL(url);
    return u.origin + u.pathname;
  } catch {
    return "(invalid URL)";
  }
}

// src/authorized-fetch.ts
var REDIRECTS = /* @__PURE__ */ new Set([301, 302, 303, 307, 308]);
function createAuthorizedFetch(auth, options = {}) {
  const maxRedirects = options.maxRedirects ?? 5;
  return async (input, init) => {
    const baseFetch = options.fetch ?? globalThis.fetch;
    const request = new Request(input, init);
    const body = request.body === null ? void 0 : await request.arrayBuffer();
    const send = async (url2, method2, withBody2, retried) => {
      const headers = new Headers(request.headers);
      headers.delete("authorization");
      const authorization = request.headers.has("authorization") ? void 0 : await auth.getAuthorization({ url: url2, method: method2 });
      const explicit = request.headers.get("authorization");
      if (explicit !== null && url2 === request.url) headers.set("authorization", explicit);
      else if (authorization !== void 0) headers.set("authorization", authorization);
      const response = await baseFetch(url2, {
        method: method2,
        headers,
        body: withBody2 ? body : void 0,
        redirect: "manual",
        signal: request.signal
      });
      if (response.status === 401 && authorization !== void 0 && !retried && auth.onUnauthorized) {
        await response.body?.cancel();
        await auth.onUnauthorized();
        return send(url2, method2, withBody2, true);
      }
      return response;
    };
    let url = request.url;
    let method = request.method;
    let withBody = body !== void 0;
    for (let hop = 0; ; hop++) {
      const response = await send(url, method, withBody, false);
      const location = response.headers.get("location");
      if (!REDIRECTS.has(response.status) || location === null || request.redirect === "manual") return response;
      if (request.redirect === "error" || hop >= maxRedirects) {
        throw new TypeError(`Too many redirects or redirect refused (redirect: "${request.redirect}")`);
      }
      await response.body?.cancel();
      url = new URL(location, url).href;
      if (response.status === 303 || (response.status === 301 || response.status === 302) && method === "POST") {
        method = method === "HEAD" ? "HEAD" : "GET";
        withBody = false;
      }
    }
  };
}
function resolveClientAuth({ clientAuth, privateKey, alg, kid, jku, clientSecret }) {
  if (clientAuth) return clientAuth;
  if (privateKey !== void 0) {
    if (alg !== "RS384" && alg !== "ES384") throw new TypeError('A privateKey needs alg: "RS384" or "ES384"');
    return { method: "private_key_jwt", privateKey, alg, kid, jku };
  }
  return clientSecret !== void 0 ? { method: "client_secret_basic", clientSecret } : { method: "none" };
}
var IMPORT_PARAMS = {
  ES384: { name: "ECDSA", namedCurve: "P-384" },
  RS384: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" }
};
async function importSigningKey(key, alg) {
  const misuse = (why, cause) => new TypeError(`privateKey ${why}: pass a private ${alg} CryptoKey (for a PEM, \`await importPKCS8(pem, "${alg}")\` from jose) or JWK`, { cause });
  if (typeof key !== "object" || key === null) throw misuse("is not a key");
  let cryptoKey = key;
  if (!("algorithm" in key && "usages" in key && "type" in key)) {
    try {
      const jwk = { ...key, alg: void 0, use: void 0, key_ops: void 0, ext: void 0 };
      cryptoKey = await crypto.subtle.importKey("jwk", jwk, IMPORT_PARAMS[alg], false, ["sign"]);
    } catch (cause) {
      throw misuse("is not a usable JWK", cause);
    }
  }
  const a = cryptoKey.algorithm;
  const ok = alg === "ES384" ? a.name === "ECDSA" && a.namedCurve === "P-384" : a.name === "RSASSA-PKCS1-v1_5" && a.hash?.name === "SHA-384" && (a.modulusLength ?? 0) >= 2048;
  if (cryptoKey.type !== "private" || !cryptoKey.usages.includes("sign") || !ok) {
    throw misuse("is not a signing key for this alg (ES384: P-384; RS384: RSA >= 2048 bits imported for RS384)");
  }
  return cryptoKey;
}
var encoder = new TextEncoder();
function rawBasic(clientSecret) {
  return (_as, client, _body, headers) => {
    headers.set("authorization", `Basic ${btoa(String.fromCharCode(...encoder.encode(`${client.client_id}:${clientSecret}`)))}`);
  };
}
async function toOAuthClientAuth(auth, tokenEndpoint, now) {
  switch (auth.method) {
    case "none":
      return oauth__namespace.None();
    case "client_secret_post":
      return oauth__namespace.ClientSecretPost(auth.clientSecret);
    case "client_secret_basic":
      return auth.basicEncoding === "form-urlencoded" ? oauth__namespace.ClientSecretBasic(auth.clientSecret) : rawBasic(auth.clientSecret);
    case "private_key_jwt": {
      const lifetime = auth.assertionLifetimeSeconds ?? 240;
      if (!(lifetime > 0 && lifetime <= 300)) throw new TypeError("assertionLifetimeSeconds must be in (0, 300]");
      const key = await importSigningKey(auth.privateKey, auth.alg);
      return oauth__namespace.PrivateKeyJwt(auth.kid ? { key, kid: auth.kid } : key, {
        [oauth__namespace.modifyAssertion]: (header, payload) => {
          const iat = Math.floor(now() / 1e3);
          header.typ = "JWT";
          if (auth.jku) header.jku = auth.jku;
          payload.aud = tokenEndpoint;
          payload.iat = iat;
          payload.exp = iat + lifetime;
          delete payload.nbf;
        }
      });
    }
    default:
      throw new TypeError("clientAuth.method must be none, client_secret_basic, client_secret_post or private_key_jwt");
  }
}
function clientAuthFactory(auth, tokenEndpoint, now) {
  let pending;
  return () => pending ??= toOAuthClientAuth(auth, tokenEndpoint, now).catch((error) => {
    pending = void 0;
    throw error;
  });
}
var LOOPBACK = /^(127(\.\d{1,3}){3}|localhost|\[::1\])$/i;
function assertSecureUrl(url, allowInsecure) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new TypeError("Expected an absolute URL", { cause });
  }
  const { protocol } = parsed;
  if (protocol !== "https:" && (protocol !== "http:" || !(allowInsecure || LOOPBACK.test(parsed.hostname)))) {
    throw fail(SmartAuthErrorCode.InsecureUrl, `Refusing ${printableUrl(parsed)}: use https (plain http only to loopback or with allowInsecureRequests: true)`);
  }
  return parsed;
}
var transportOf = ({ fetch, timeoutMs, allowInsecureRequests: allowInsecureRequests2 }) => ({ fetch, timeoutMs, allowInsecureRequests: allowInsecureRequests2 });
function requestOptions(url, transport) {
  return {
    signal: AbortSignal.timeout(transport.timeoutMs ?? 1e4),
    [oauth__namespace.allowInsecureRequests]: assertSecureUrl(url, transport.allowInsecureRequests).protocol === "http:",
    [oauth__namespace.customFetch]: transport.fetch
  };
}
function authorizationServer({ issuer, token_endpoint, introspection_endpoint, revocation_endpoint }) {
  return {
    issuer: typeof issuer === "string" ? issuer : new URL(token_endpoint).origin,
    token_endpoint,
    introspection_endpoint,
    revocation_endpoint
  };
}

// src/fhir-base.ts
function fhirBaseMatcher(fhirBaseUrl, extraLocations2 = []) {
  const bases = [fhirBaseUrl, ...extraLocations2].map(normaliseBase);
  const prefixes = bases.map((b) => b.href.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  const plain = new RegExp(`^(?:${prefixes})(?:$|[?#]|/[^.%\\\\?#]*(?:[?#]|$))`);
  return (url) => typeof url === "string" && (plain.test(url) || slowMatch(url, bases));
}
function normaliseBase(base) {
  const u = new URL(base);
  const path = u.pathname.replace(/\/+$/, "");
  return { href: `${u.origin}${path}`, origin: u.origin, path };
}
function slowMatch(url, bases) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (/%2e|%2f|%5c|\\/i.test(u.pathname)) return false;
  return bases.some((b) => u.origin === b.origin && (u.pathname === b.path || u.pathname.startsWith(`${b.path}/`) || b.path === "" && u.pathname === "/"));
}

// src/single-flight.ts
function singleFlight(run) {
  let pending;
  return () => {
    if (pending) return pending;
    const p = pending = run();
    const done = () => {
      if (pending === p) pending = void 0;
    };
    p.then(done, done);
    return p;
  };
}
var sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
var TokenManager = class {
  #o;
  #token;
  #header;
  #renewAt = 0;
  #inflight;
  #rejected;
  #unsaved = false;
  // Calls that may skip reading the clock. Reading it costs about as much as the rest of the hot path,
  // so with the default clock a timer at renewAt forces the next check, and every 64th call checks anyway
  // (a timer can fire late after a suspend; a token used late meets a 401, which renews it).
  #skipClockChecks = 0;
  #timer;
  #saveTimer;
  #systemClock;
  constructor(options) {
    this.#o = options;
    this.#systemClock = options.now === Date.now;
  }
  /** The `Bearer …` header if a fresh token is in memory: the hot path, synchronous. */
  peek() {
    if (this.#skipClockChecks > 0) {
      this.#skipClockChecks--;
      return this.#header;
    }
    if (this.#header === void 0 || this.#unsaved || this.#o.now() >= this.#renewAt) return void 0;
    if (this.#systemClock) this.#skipClockChecks = 63;
    return this.#header;
  }
  /** The token in memory, fresh or not (for launch context and scopes). */
  get token() {
    return this.#token;
  }
  /** A fresh token, renewing it if needed. */
  async get() {
    if (this.peek() !== void 0) return this.#token;
    this.#inflight ??= this.#renew().finally(() => {
      this.#inflight = void 0;
    });
    return this.#inflight;
  }
  async header() {
    return this.peek() ?? `Bearer ${(await this.get()).access_token}`;
  }
  /** Put a token received elsewhere (e.g. from exchangeCode) into memory and the store. */
  async adopt(token) {
    this.remember(token);
    await this.#save(token);
  }
  /**
   * The server refused the token (401): forget it, and do not accept the same access token from the
   * store again, so the next call renews once (checklist E20) instead of looping on a dead token.
   */
  invalidate(accessToken = this.#token?.access_token) {
    if (accessToken === void 0 || accessToken !== this.#token?.access_token) return;
    this.#rejected = accessToken;
    this.#renewAt = 0;
    this.#skipClockChecks = 0;
  }
  /** Forget the token here and in the store (logout, invalid_grant). */
  async clear() {
    clearTimeout(this.#saveTimer);
    this.#token = void 0;
    this.#header = void 0;
    this.#renewAt = 0;
    this.#skipClockChecks = 0;
    await this.#call("delete", () => this.#o.store.delete(this.#o.key));
  }
  /** Put a token into memory only (it came from the store). */
  remember(token) {
    this.#token = token;
    this.#header = `Bearer ${token.access_token}`;
    this.#renewAt = renewAt(token, this.#o.refreshMarginMs ?? 6e4);
    this.#skipClockChecks = 0;
    if (token.access_token !== this.#rejected) this.#rejected = void 0;
    if (this.#systemClock) this.#armTimer();
    return token;
  }
  #armTimer() {
    clearTimeout(this.#timer);
    const delay = this.#renewAt - this.#o.now();
    if (!Number.isFinite(delay)) return;
    const manager = new WeakRef(this);
    this.#timer = setTimeout(() => {
      const alive = manager.deref();
      if (alive) alive.#skipClockChecks = 0;
    }, Math.max(0, Math.min(delay, 2 ** 31 - 1)));
    this.#timer.unref?.();
  }
  #usable(token) {
    return token !== void 0 && token.access_token !== this.#rejected && this.#o.now() < renewAt(token, this.#o.refreshMarginMs ?? 6e4);
  }
  async #renew() {
    if (this.#unsaved && this.#usable(this.#token)) {
      await this.#save(this.#token);
      return this.#token;
    }
    try {
      return await this.#renewThroughStore();
    } catch (error) {
      if (!this.#bypassable(error)) throw error;
      this.#report(error);
      return this.#obtainAndSave(this.#token);
    }
  }
  async #renewThroughStore() {
    const { store, key, leaseMs = 3e4 } = this.#o;
    let stored;
    const loadFresh = async () => {
      stored = await this.#call("get", () => store.get(key));
      return this.#usable(stored) ? this.remember(stored) : void 0;
    };
    let found = await loadFresh();
    if (found) return found;
    if (!tokenStore.hasLock(store)) return this.#obtainAndSave(stored ?? this.#token);
    const deadline = this.#o.now() + leaseMs * 2;
    for (let wait = 25; ; wait = Math.min(wait * 2, 250)) {
      const lock = await this.#call("lock", () => store.lock(key, leaseMs));
      if (lock) {
        try {
          return await loadFresh() ?? await this.#obtainAndSave(stored ?? this.#token);
        } finally {
          await lock.release().catch(() => void 0);
        }
      }
      await sleep(wait);
      if (found = await loadFresh()) return found;
      if (this.#o.now() > deadline) {
        throw new SmartAuthError("Another process held the refresh lock and no fresh token appeared in time", {
          code: SmartAuthErrorCode.RefreshLockTimeout,
          retryable: true
        });
      }
    }
  }
  async #obtainAndSave(current) {
    if (this.#o.canObtain?.(current) === false) {
      throw fail(SmartAuthErrorCode.ReauthorizationRequired, "The access token expired and there is no refresh token: authorize again");
    }
    const fresh = await this.#o.obtain(current).catch(async (error) => {
      if (SmartAuthError.is(error) && error.code === SmartAuthErrorCode.ReauthorizationRequired) await this.clear().catch(() => void 0);
      throw error;
    });
    this.remember(fresh);
    await this.#save(fresh);
    return fresh;
  }
  // A token that could not be stored is kept in memory (it may be the only copy of a rotated refresh
  // token) and saving is retried on the next call; this call still reports the store failure.
  // With an optional store that is out (a retryable failure), the token is served and saved in the background.
  async #save(token) {
    this.#unsaved = true;
    this.#skipClockChecks = 0;
    try {
      await this.#call("set", () => this.#o.store.set(this.#o.key, token));
    } catch (error) {
      if (!this.#bypassable(error)) throw error;
      this.#report(error);
      this.#saveLater(token, 500);
    }
    this.#unsaved = false;
  }
  /**
   * An outage (a retryable store failure) of a store the token does not need (storeRequired false).
   * Anything else (a tampered value, a key the service refuses) stays an error: it is a fault to fix.
   */
  #bypassable(error) {
    return this.#o.storeRequired === false && SmartAuthError.is(error) && error.code === SmartAuthErrorCode.TokenStore && error.retryable;
  }
  // An optional store's failed save is retried in the background (backoff up to 30 s) while the token is
  // current and fresh, so the fleet shares it again once the store is back. It may land over a token another
  // process stored meanwhile: both are valid, since an optional store holds no refresh token.
  #saveLater(token, delayMs) {
    clearTimeout(this.#saveTimer);
    this.#saveTimer = setTimeout(() => {
      if (token !== this.#token || !this.#usable(token)) return;
      this.#call("set", () => this.#o.store.set(this.#o.key, token)).catch((error) => {
        this.#report(error);
        if (this.#bypassable(error)) this.#saveLater(token, Math.min(delayMs * 2, 3e4));
      });
    }, delayMs);
    this.#saveTimer.unref?.();
  }
  #report(error) {
    try {
      this.#o.onStoreError?.(error);
    } catch {
    }
  }
  async #call(operation, run) {
    try {
      return await run();
    } catch (cause) {
      throw storeError(operation, this.#o.key, cause);
    }
  }
};
var storeError = (operation, key, cause) => new SmartAuthError(`Token store ${operation} failed for key "${key}"`, {
  code: SmartAuthErrorCode.TokenStore,
  retryable: cause?.retryable === true,
  cause
});
function renewAt(token, marginMs) {
  if (token.expires_at === void 0) return Number.POSITIVE_INFINITY;
  const lifetimeMs = typeof token.expires_in === "number" ? token.expires_in * 1e3 : Number.POSITIVE_INFINITY;
  return token.expires_at - Math.min(marginMs, lifetimeMs / 4);
}

// src/redact.ts
var SECRET_FIELDS = ["code", "code_verifier", "refresh_token", "client_secret", "client_assertion", "token"];
var MIN_LENGTH = 6;
function recordingFetch(base, sent) {
  return (input, init) => {
    if (init) sent.push(init);
    return (base ?? globalThis.fetch)(input, init);
  };
}
function secretsOf(requests) {
  const secrets = /* @__PURE__ */ new Set();
  for (const init of requests) {
    try {
      collect(init, secrets);
    } catch {
    }
  }
  return secrets;
}
function collect(init, sent) {
  const body = init.body;
  const form = typeof body === "string" ? new URLSearchParams(body) : body instanceof URLSearchParams ? body : void 0;
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
function add(sent, value) {
  if (typeof value !== "string" || value.length < MIN_LENGTH) return;
  sent.add(value);
  sent.add(encodeURIComponent(value));
  sent.add(new URLSearchParams({ v: value }).toString().slice(2));
}
function quotes(value, sent, depth = 0) {
  if (depth > 5 || value === void 0 || value === null) return false;
  let text2;
  try {
    text2 = typeof value === "object" ? `${value.message ?? ""} ${JSON.stringify(value)}` : String(value);
  } catch {
    return true;
  }
  if ([...sent].some((secret) => text2.includes(secret))) return true;
  return typeof value === "object" && quotes(value.cause, sent, depth + 1);
}
function withoutEcho(error, requests) {
  if (!SmartAuthError.is(error)) return error;
  const sent = secretsOf(requests);
  if (sent.size === 0) return error;
  const scrub = (text2) => text2 && [...sent].reduce((out, secret) => out.split(secret).join("[redacted]"), text2);
  return new SmartAuthError(scrub(error.message), {
    ...error,
    error: scrub(error.error),
    errorDescription: scrub(error.errorDescription),
    errorUri: scrub(error.errorUri),
    cause: quotes(error.cause, sent) ? void 0 : error.cause,
    response: error.response
  });
}
async function readJson(response) {
  const text2 = await response.text();
  try {
    return JSON.parse(text2.replace(/^\uFEFF/, ""));
  } catch {
    return void 0;
  }
}
var ParsedJsonResponse = class extends Response {
  #value;
  constructor(value) {
    super(null, { headers: { "content-type": "application/json" } });
    this.#value = value;
  }
  json() {
    return Promise.resolve(this.#value);
  }
};
var isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
var optionalString = (v) => typeof v === "string" ? v : void 0;
var retryableStatus = (status) => status >= 500 || status === 429;
async function httpError(label, url, response, code, cause) {
  const body = response.bodyUsed ? void 0 : await readJson(response.clone()).catch(() => void 0);
  const { error, error_description: description, error_uri: uri } = isObject(body) && typeof body.error === "string" ? body : {};
  const status = response.status;
  const detail = error ? error + (typeof description === "string" ? `: ${description}` : "") : "unusable response";
  return new SmartAuthError(`${label} ${printableUrl(url)} answered HTTP ${status} (${detail})`, {
    code,
    error,
    errorDescription: optionalString(description),
    errorUri: optionalString(uri),
    status,
    retryable: retryableStatus(status),
    cause,
    response
  });
}
async function processTokenResponse(response, endpoint, receivedAt) {
  const { status } = response;
  if (status < 200 || status > 299) throw await httpError("Token endpoint", endpoint, response, SmartAuthErrorCode.TokenEndpoint);
  const invalid2 = (why) => new SmartAuthError(`Token endpoint ${printableUrl(endpoint)} sent an invalid token response: ${why}`, {
    code: SmartAuthErrorCode.InvalidTokenResponse,
    status
  });
  const body = await readJson(response);
  if (!isObject(body)) throw invalid2("not a JSON object");
  const { id_token: idToken, expires_in: expiresIn, ...rest } = body;
  if (rest.scope === null) delete rest.scope;
  if (rest.refresh_token === null || rest.refresh_token === "") delete rest.refresh_token;
  let checked;
  try {
    checked = await oauth__namespace.processGenericTokenEndpointResponse({ issuer: endpoint, token_endpoint: endpoint }, { client_id: "-" }, new ParsedJsonResponse(rest));
  } catch (cause) {
    throw invalid2(String(cause.message).replace(/[^\w "'`.-]/g, ""));
  }
  if (checked.token_type !== "bearer") throw invalid2(`token_type "${checked.token_type}", SMART uses Bearer`);
  const token = { ...rest, ...checked, token_type: "Bearer" };
  const seconds = typeof expiresIn === "string" && expiresIn.trim() !== "" ? Number(expiresIn) : expiresIn;
  if (typeof seconds === "number") token.expires_in = Math.max(0, seconds);
  if (typeof idToken === "string" && idToken !== "") token.id_token = idToken;
  return normaliseLaunchContext(tokenStore.toStoredToken(token, receivedAt));
}
function normaliseLaunchContext(token) {
  for (const key of ["patient", "encounter"]) if (typeof token[key] === "number") token[key] = String(token[key]);
  const banner = token.need_patient_banner;
  if (typeof banner === "string") token.need_patient_banner = banner.toLowerCase() === "true";
  const context = token.fhirContext;
  if (Array.isArray(context)) {
    token.fhirContext = context.map((item) => typeof item === "string" ? { reference: item } : item).filter(isObject);
  } else if (context !== void 0) {
    delete token.fhirContext;
  }
  return token;
}

// src/token-request.ts
function tokenClient(ctx) {
  const now = ctx.now ?? Date.now;
  const endpoint = ctx.smartConfig.token_endpoint;
  const as = authorizationServer(ctx.smartConfig);
  const client = { client_id: ctx.clientId };
  const getAuth = clientAuthFactory(ctx.clientAuth, endpoint, now);
  async function call(url, send, process, wrapFetch = (f) => f) {
    const sent = [];
    try {
      const auth = await getAuth();
      const response = await send(auth, requestOptions(url, { ...ctx, fetch: wrapFetch(recordingFetch(ctx.fetch, sent)) })).catch((cause) => {
        throw transportError(cause, url);
      });
      return await process(response);
    } catch (error) {
      throw withoutEcho(error, sent);
    }
  }
  async function request(grant) {
    const { grantType } = grant;
    const params = grantType === "authorization_code" ? { code: grant.code, redirect_uri: grant.redirectUri, code_verifier: grant.codeVerifier } : grantType === "refresh_token" ? { refresh_token: grant.refreshToken } : {};
    if (grantType !== "authorization_code" && grant.scope) params.scope = grant.scope;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call(
          endpoint,
          (auth, options) => oauth__namespace.genericTokenEndpointRequest(as, client, auth, grantType, params, options),
          (response) => processTokenResponse(response, endpoint, now())
        );
      } catch (error) {
        const retry = SmartAuthError.is(error) && error.retryable && (grantType === "client_credentials" || grantType === "refresh_token" && (error.status === 503 || error.status === 429));
        if (attempt >= (ctx.maxRetries ?? 2) || !retry) throw error;
        await sleep2(Math.min(2e3, 100 * 2 ** attempt) * (0.5 + Math.random() / 2));
      }
    }
  }
  return { request, call, as, client };
}
function transportError(cause, url) {
  if (SmartAuthError.is(cause) || cause instanceof TypeError && String(cause.code).startsWith("ERR_INVALID_ARG")) return cause;
  const name = cause?.name;
  const timeout = name === "TimeoutError" || name === "AbortError";
  const refused = cause instanceof oauth__namespace.OperationProcessingError;
  const insecure = refused && (cause.code === oauth__namespace.HTTP_REQUEST_FORBIDDEN || cause.code === oauth__namespace.REQUEST_PROTOCOL_FORBIDDEN);
  return new SmartAuthError(
    `Request to ${printableUrl(url)} ${timeout ? "timed out" : refused ? `refused by the client: ${cause.message}` : "failed: no HTTP response"}`,
    {
      code: timeout ? SmartAuthErrorCode.Timeout : insecure ? SmartAuthErrorCode.InsecureUrl : SmartAuthErrorCode.Network,
      retryable: !refused,
      cause
    }
  );
}
var sleep2 = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// src/backend-services.ts
var BackendServicesAuth = class {
  fhirBaseUrl;
  clientId;
  scope;
  #options;
  #inBase;
  #manager;
  #starting;
  #smartConfig;
  #pendingHeader = singleFlight(async () => (await this.#start()).header());
  constructor(options) {
    const who = "BackendServicesAuth";
    const base = text(who, requireOptions(who, options).fhirBaseUrl ?? options.issuer, "issuer (the FHIR base URL)");
    this.clientId = text(who, options.clientId, "clientId");
    this.scope = text(who, options.scope?.trim?.(), 'scope, e.g. "system/Patient.rs"').split(/\s+/).join(" ");
    if (resolveClientAuth(options).method === "none") needs(who, "privateKey and alg (RS384 or ES384), or clientAuth");
    assertSecureUrl(base, options.allowInsecureRequests);
    this.fhirBaseUrl = base.replace(/\/+$/, "");
    this.#options = options;
    this.#inBase = fhirBaseMatcher(this.fhirBaseUrl);
    this.#smartConfig = options.smartConfig;
  }
  /** `Bearer …` for URLs under the FHIR base, `undefined` for any other URL (E21). Synchronous when cached. */
  getAuthorization(req) {
    if (!this.#inBase(req.url)) return void 0;
    return this.#manager?.peek() ?? this.#pendingHeader();
  }
  /** Called by a FHIR client on a 401: the next call gets a new token (once, E20). */
  onUnauthorized() {
    this.#manager?.invalidate();
  }
  /** A fresh access token. */
  async getAccessToken() {
    return (await this.getToken()).access_token;
  }
  /** The whole stored token (scope, expires_at, ...), fresh. */
  async getToken() {
    return (await this.#start()).get();
  }
  /** The scopes the server granted (checklist E1), or undefined before the first token. */
  get grantedScopes() {
    const token = this.#manager?.token;
    return token ? smartScopes.parseScope(token.scope ?? this.scope) : void 0;
  }
  /** A fetch that carries this provider's token (see createAuthorizedFetch). */
  get fetch() {
    return createAuthorizedFetch(this, this.#options);
  }
  /** Forget the cached token (memory and store). */
  async clear() {
    await this.#manager?.clear();
  }
  #start() {
    return this.#starting ??= this.#create().catch((error) => {
      this.#starting = void 0;
      throw error;
    });
  }
  async #create() {
    const o = this.#options;
    const smartConfig = this.#smartConfig ??= o.tokenEndpoint ? { token_endpoint: o.tokenEndpoint, capabilities: [], code_challenge_methods_supported: ["S256"], grant_types_supported: ["client_credentials"] } : await discoverSmartConfiguration(this.fhirBaseUrl, transportOf(o));
    const now = o.now ?? Date.now;
    const client = tokenClient({ ...o, smartConfig, clientAuth: resolveClientAuth(o), now });
    return this.#manager = new TokenManager({
      ...o,
      store: o.tokenStore ?? new tokenStore.InMemoryTokenStore(),
      key: o.storeKey ?? `smart:backend:${smartConfig.token_endpoint}:${o.clientId}:${[...new Set(this.scope.split(" "))].sort().join(" ")}`,
      now,
      // Backend Services gets no refresh token: every renewal is a new signed assertion (E3, E24),
      // so nothing is lost when the store cannot keep a token (SECURITY.md F8).
      obtain: () => client.request({ grantType: "client_credentials", scope: this.scope }),
      storeRequired: false
    });
  }
};

// src/authorize.ts
var PROTECTED = "response_type client_id redirect_uri scope state code_challenge code_challenge_method aud launch nonce request request_uri".split(" ");
function requireString(value, what, valid = Boolean, who = "buildAuthorizeUrl") {
  if (typeof value !== "string" || !valid(value)) needs(who, what);
  return value;
}
function authorizeScope(scope, launch, who) {
  const tokens = requireString(scope?.trim?.(), 'scope, e.g. "launch/patient openid fhirUser patient/Observation.rs"', Boolean, who).split(/\s+/);
  if (/["\\]/.test(scope)) throw new TypeError('scope tokens must not contain " or \\');
  if (launch !== void 0 && !tokens.includes("launch")) tokens.push("launch");
  return tokens.join(" ");
}
function authorizeParams(options) {
  const { clientId, redirectUri, state, codeChallenge, aud, launch, nonce, extraParams = {} } = requireOptions("buildAuthorizeUrl", options);
  const params = [
    ["response_type", "code"],
    ["client_id", requireString(clientId, "clientId (the client id registered with the server)")],
    ["redirect_uri", requireString(redirectUri, "redirectUri (a registered absolute URL)", URL.canParse)],
    ["launch", launch === void 0 ? launch : requireString(launch, "launch (the parameter received from the EHR)")],
    ["scope", authorizeScope(options.scope, launch)],
    ["state", requireString(state, "state of at least 16 random characters (generateState())", (v) => v.length >= 16)],
    ["aud", requireString(aud, "aud (the absolute FHIR base URL, for an EHR launch the iss exactly)", URL.canParse)],
    ["code_challenge", requireString(codeChallenge, "codeChallenge (S256, from await codeChallengeS256(verifier))", (v) => /^[\w-]{43}$/.test(v))],
    // SMART 2.2 app-launch.html#considerations-for-pkce-support: S256 always, never plain
    ["code_challenge_method", "S256"],
    ["nonce", nonce === void 0 ? nonce : requireString(nonce, "nonce (e.g. generateNonce())")]
  ];
  for (const [name, value] of Object.entries(extraParams)) {
    if (PROTECTED.includes(name)) throw new TypeError(`extraParams cannot set "${name}": pass it as its own option`);
    if (typeof value !== "string") throw new TypeError(`extraParams.${name} must be a string`);
    params.push([name, value]);
  }
  return params.filter((p) => p[1] !== void 0);
}
function prepare(options) {
  const params = authorizeParams(options);
  const endpoint = options.smartConfig?.authorization_endpoint;
  if (typeof endpoint !== "string") {
    throw fail(SmartAuthErrorCode.UnsupportedByServer, "The SMART configuration has no authorization_endpoint (the server offers no App Launch)");
  }
  const url = assertSecureUrl(endpoint, options.allowInsecureRequests);
  for (const [name] of params) url.searchParams.delete(name);
  return [url, params];
}
function buildAuthorizeUrl(options) {
  return withParams(...prepare(options));
}
function withParams(endpoint, params) {
  const url = new URL(endpoint);
  for (const [name, value] of params) url.searchParams.append(name, value);
  return url.href;
}
function buildAuthorizeRequest(options) {
  const method = options?.method ?? "auto";
  if (!["auto", "GET", "POST"].includes(method)) throw new TypeError('method must be "auto", "GET" or "POST"');
  const [endpoint, params] = prepare(options);
  const url = withParams(endpoint, params);
  const post = method === "POST" || method === "auto" && Array.isArray(options.smartConfig.capabilities) && options.smartConfig.capabilities.includes("authorize-post") && url.length > (options.maxUrlLength ?? 2e3);
  return post ? { method: "POST", url: endpoint.href, form: Object.fromEntries(params) } : { method: "GET", url };
}
var escapeHtml = (value) => value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
function renderAuthorizeForm(request, options = {}) {
  if (request?.method !== "POST" || typeof request.url !== "string") {
    throw new TypeError('renderAuthorizeForm needs a { method: "POST", url, form } request from buildAuthorizeRequest');
  }
  const inputs = Object.entries(request.form).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(String(value))}">`).join("");
  const nonce = options.cspNonce ? ` nonce="${escapeHtml(options.cspNonce)}"` : "";
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Authorizing\u2026</title></head><body><form method="post" action="${escapeHtml(request.url)}">${inputs}<noscript><button type="submit">${escapeHtml(options.buttonText ?? "Continue")}</button></noscript></form><script${nonce}>document.forms[0].submit()</script></body></html>`;
}
var DEFAULT_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];
var servers = /* @__PURE__ */ new WeakMap();
var DEFAULT_FETCH = {};
function cached(map, key, create) {
  let value = map.get(key);
  if (!value) map.set(key, value = create());
  return value;
}
var invalid = (reason) => fail(SmartAuthErrorCode.InvalidIdToken, `id_token rejected: ${reason}`);
async function verifyIdToken(idToken, options) {
  text("verifyIdToken", idToken, "the id_token string");
  const clientId = text("verifyIdToken", options?.clientId, "clientId");
  const { smartConfig } = options;
  const { issuer, jwks_uri: jwksUri } = smartConfig ?? {};
  if (typeof issuer !== "string" || typeof jwksUri !== "string") {
    throw fail(SmartAuthErrorCode.UnsupportedByServer, "The SMART configuration lacks issuer or jwks_uri: the id_token cannot be verified");
  }
  assertSecureUrl(jwksUri, options.allowInsecureRequests);
  const algorithms = (options.algorithms ?? DEFAULT_ALGORITHMS).filter((a) => a !== "none" && !a.startsWith("HS"));
  const byConfig = cached(servers, options.fetch ?? DEFAULT_FETCH, () => /* @__PURE__ */ new WeakMap());
  const byAlgs = cached(byConfig, smartConfig, () => /* @__PURE__ */ new Map());
  const key = String(algorithms);
  const as = byAlgs.get(key) ?? byAlgs.set(key, { issuer, jwks_uri: jwksUri, id_token_signing_alg_values_supported: algorithms }).get(key);
  const now = Math.floor((options.now ?? Date.now)() / 1e3);
  const client = {
    client_id: clientId,
    [oauth__namespace.clockSkew]: now - Math.floor(Date.now() / 1e3),
    // a stored id_token is re-checked for signature, iss and aud only: its login-time lifetime is past
    [oauth__namespace.clockTolerance]: options.ignoreExpiry ? Number.MAX_SAFE_INTEGER : options.clockToleranceSeconds ?? 60
  };
  const response = new ParsedJsonResponse({ access_token: "-", token_type: "bearer", id_token: idToken });
  let claims;
  try {
    const result = await oauth__namespace.processGenericTokenEndpointResponse(as, client, response);
    await oauth__namespace.validateApplicationLevelSignature(as, response, requestOptions(jwksUri, options));
    claims = oauth__namespace.getValidatedIdTokenClaims(result);
  } catch (error) {
    const e = error;
    const claim = typeof e?.cause?.claim === "string" ? ` (claim "${e.cause.claim}")` : "";
    throw invalid((typeof e?.code === "string" ? e.code : "unverifiable") + claim);
  }
  if (!claims || typeof claims.sub !== "string" || claims.sub === "") throw invalid('"sub" is missing');
  if (claims.azp !== void 0 && claims.azp !== clientId) throw invalid('"azp" is not the client id');
  if (options.nonce !== void 0 ? claims.nonce !== options.nonce : !options.ignoreExpiry && claims.nonce !== void 0) {
    throw invalid('"nonce" is not the one sent');
  }
  return claims;
}
function resolveFhirUser(claims, fhirBaseUrl) {
  const value = [claims?.fhirUser, claims?.profile].find((v) => typeof v === "string");
  if (value === void 0 || /^[a-z][a-z0-9+.-]*:/i.test(value) || fhirBaseUrl === void 0) return value;
  return new URL(value.replace(/^\/+/, ""), `${fhirBaseUrl.replace(/\/+$/, "")}/`).href;
}

// src/exchange.ts
var verified = /* @__PURE__ */ new WeakMap();
function verifiedClaimsOf(token) {
  return verified.get(token);
}
function markVerified(token, claims) {
  verified.set(token, claims);
}
async function exchangeCode(options) {
  requireOptions("exchangeCode", options);
  for (const name of ["clientId", "redirectUri", "code", "codeVerifier"]) text("exchangeCode", options[name], `${name} (a non-empty string)`);
  const { smartConfig } = requireOptions("exchangeCode", options, true);
  const now = options.now ?? Date.now;
  const token = await tokenClient({ ...options, clientAuth: resolveClientAuth(options), now, maxRetries: 0 }).request({
    grantType: "authorization_code",
    code: options.code,
    redirectUri: options.redirectUri,
    codeVerifier: options.codeVerifier
  });
  if (typeof token.id_token === "string" && options.verifyIdToken !== false && typeof smartConfig.issuer === "string" && typeof smartConfig.jwks_uri === "string") {
    verified.set(token, await verifyIdToken(token.id_token, { ...options, now }));
  }
  return token;
}
async function callEndpoint(options, kind, send, process, wrapFetch) {
  const revocation = kind === "revocation";
  const who = revocation ? "revokeToken" : "introspectToken";
  const { clientId, smartConfig, token, tokenTypeHint } = requireOptions(who, options, true);
  text(who, clientId, "clientId");
  text(who, token, "token (a non-empty string)");
  const endpoint = smartConfig[`${kind}_endpoint`];
  if (typeof endpoint !== "string") throw fail(SmartAuthErrorCode.UnsupportedByServer, `The SMART configuration has no ${kind}_endpoint`);
  const { call, as, client } = tokenClient({ ...options, clientAuth: resolveClientAuth(options) });
  const failed = (response, cause) => httpError(revocation ? "Revocation endpoint" : "Introspection endpoint", endpoint, response, revocation ? SmartAuthErrorCode.Revocation : SmartAuthErrorCode.Introspection, cause);
  return call(
    endpoint,
    (auth, o) => send(as, client, auth, token, { ...o, additionalParameters: tokenTypeHint ? { token_type_hint: tokenTypeHint } : {} }),
    // the OAuth error fields and status, never the token
    async (response) => {
      if (response.status < 200 || response.status > 299) throw await failed(response);
      return process(as, client, response).catch(async (cause) => {
        throw await failed(response, cause);
      });
    },
    wrapFetch
  );
}
async function introspectToken(options) {
  const bearer = options?.bearerToken;
  const result = await callEndpoint(
    options,
    "introspection",
    oauth__namespace.introspectionRequest,
    oauth__namespace.processIntrospectionResponse,
    // oauth4webapi refuses an authorization header in options.headers; the fetch adds it instead
    (base) => bearer ? (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set("authorization", `Bearer ${bearer}`);
      return base(input, { ...init, headers });
    } : base
  );
  return { ...result, scopes: smartScopes.parseScope(typeof result.scope === "string" ? result.scope : "") };
}
async function revokeToken(options) {
  await callEndpoint(options, "revocation", oauth__namespace.revocationRequest, (_as, _client, response) => oauth__namespace.processRevocationResponse(response));
}

// src/smart-client.ts
var RESTORED = /* @__PURE__ */ Symbol("restored");
var CONTEXT_KEYS = ["patient", "encounter", "fhirContext", "need_patient_banner", "smart_style_url", "intent", "tenant"];
var SmartClient = class _SmartClient {
  smartConfig;
  clientId;
  fhirBaseUrl;
  #options;
  #manager;
  #inBase;
  #now;
  #ready;
  #claims;
  #scopeCache;
  #widenedOnRefresh = [];
  #pendingHeader = singleFlight(async () => {
    await this.#settle();
    return this.#manager.header();
  });
  constructor(options) {
    const who = "SmartClient";
    const { smartConfig, tokens, tokenStore: tokenStore$1, storeKey, allowInsecureRequests: allowInsecureRequests2 } = requireOptions(who, options, true);
    this.clientId = text(who, options.clientId, "clientId");
    text(who, tokens?.access_token, "tokens with an access_token (the result of exchangeCode)");
    if (tokenStore$1) text(who, storeKey, "storeKey with a tokenStore, one per user session, e.g. `smart:${userId}`");
    const base = text(who, options.fhirBaseUrl ?? fhirBaseOf(smartConfig), "fhirBaseUrl (or a smartConfig from discoverSmartConfiguration)");
    assertSecureUrl(base, allowInsecureRequests2);
    this.smartConfig = smartConfig;
    this.fhirBaseUrl = base.replace(/\/+$/, "");
    this.#options = options;
    const now = this.#now = options.now ?? Date.now;
    const token = normaliseLaunchContext(typeof tokens.expires_at === "number" ? { ...tokens } : tokenStore.toStoredToken({ ...tokens }, now()));
    this.#claims = verifiedClaimsOf(tokens);
    this.#inBase = fhirBaseMatcher(this.fhirBaseUrl, extraLocations(token, allowInsecureRequests2));
    const client = tokenClient({ ...options, clientAuth: resolveClientAuth(options), now });
    const manager = this.#manager = new TokenManager({
      ...options,
      store: tokenStore$1 ?? new tokenStore.InMemoryTokenStore(),
      key: storeKey ?? `smart:app:${this.clientId}:${crypto.randomUUID()}`,
      now,
      // SMART 2.2 app-launch.html#refresh-access-token: same client authentication as the exchange.
      obtain: async (current) => {
        const previous = current ?? manager.token;
        const fresh = await client.request({ grantType: "refresh_token", refreshToken: previous.refresh_token }).catch((error) => {
          if (!SmartAuthError.is(error) || error.error !== "invalid_grant") throw error;
          throw new SmartAuthError("The refresh token was refused (invalid_grant): the user must authorize again", {
            ...error,
            code: SmartAuthErrorCode.ReauthorizationRequired,
            errorUri: void 0,
            retryable: false,
            cause: error
          });
        });
        return this.#refreshed(previous, fresh);
      },
      canObtain: (current) => typeof (current ?? manager.token)?.refresh_token === "string"
    });
    if (options[RESTORED]) manager.remember(token);
    else this.#ready = manager.adopt(token).catch(() => void 0);
  }
  /**
   * Load a session persisted in `tokenStore` (after a restart): the stored absolute `expires_at` is
   * kept, never re-dated. Resolves to undefined when nothing is stored under `storeKey`.
   */
  static async restore(options) {
    const who = "SmartClient.restore";
    if (typeof options?.tokenStore?.get !== "function") needs(who, "tokenStore");
    const { tokenStore, smartConfig: config } = options;
    const storeKey = text(who, options.storeKey, "storeKey");
    let stored;
    try {
      stored = await tokenStore.get(storeKey);
    } catch (cause) {
      throw storeError("get", storeKey, cause);
    }
    if (stored === void 0) return void 0;
    const client = new _SmartClient({ ...options, tokens: stored, [RESTORED]: true });
    if (typeof stored.id_token === "string" && options.verifyIdToken !== false && config.issuer && config.jwks_uri) {
      await client.verifyIdToken({ ignoreExpiry: true }).catch(() => void 0);
    }
    return client;
  }
  /** `Bearer …` for URLs under the FHIR base, undefined for any other URL (E21); synchronous while fresh. */
  getAuthorization(req) {
    if (!this.#inBase(req.url)) return void 0;
    return this.#manager.peek() ?? this.#pendingHeader();
  }
  /** Called on a 401: the next request refreshes once (E20). */
  onUnauthorized() {
    this.#manager.invalidate();
  }
  /** A fresh access token (refreshed if needed). */
  async getAccessToken() {
    return (await this.getToken()).access_token;
  }
  /** The whole current token, refreshed if needed. */
  async getToken() {
    await this.#settle();
    return this.#manager.get();
  }
  /** Refresh now, whatever the expiry (needs a refresh token). */
  async refresh() {
    await this.#settle();
    if (!this.canRefresh) {
      throw fail(SmartAuthErrorCode.ReauthorizationRequired, "No refresh token: request offline_access or online_access, or authorize again");
    }
    this.#manager.invalidate();
    return this.#manager.get();
  }
  /** Revoke the refresh and access tokens at the server, then forget the session (memory and store). */
  async revoke() {
    await this.#settle();
    const token = this.#manager.token;
    if (token) {
      if (typeof token.refresh_token === "string") await revokeToken({ ...this.#options, token: token.refresh_token, tokenTypeHint: "refresh_token" });
      await revokeToken({ ...this.#options, token: token.access_token, tokenTypeHint: "access_token" });
    }
    await this.#manager.clear();
  }
  /**
   * End the session: revoke at the server when it has a revocation endpoint, and always forget the
   * session locally; a revocation failure is rethrown after the local clear.
   */
  async logout() {
    let failure;
    if (typeof this.smartConfig.revocation_endpoint === "string") {
      try {
        return await this.revoke();
      } catch (error) {
        failure = error;
      }
    }
    await this.#manager.clear();
    if (failure !== void 0) throw failure;
  }
  /** Introspect the current access token (checklist 8). */
  async introspect() {
    const token = await this.getToken();
    return introspectToken({ ...this.#options, token: token.access_token, tokenTypeHint: "access_token" });
  }
  /**
   * Verify the current id_token now (e.g. for tokens that did not come from exchangeCode); on
   * success `fhirUser` and `idTokenClaims` are exposed.
   */
  async verifyIdToken(options = {}) {
    const token = this.#manager.token;
    if (typeof token?.id_token !== "string") {
      throw fail(SmartAuthErrorCode.InvalidIdToken, "The token response has no id_token (request openid fhirUser)");
    }
    const claims = await this.#verify(token.id_token, options);
    markVerified(token, this.#claims = claims);
    return claims;
  }
  /** A fetch that carries this session's token to its FHIR base only (see createAuthorizedFetch). */
  get fetch() {
    return createAuthorizedFetch(this, this.#options);
  }
  /** The current token as held in memory (may be stale; getToken() refreshes). */
  get token() {
    return this.#manager.token;
  }
  get patientId() {
    return this.#text("patient");
  }
  get encounterId() {
    return this.#text("encounter");
  }
  /** Launch context objects (pre-2.1 string items become `{ reference }`) (E14). */
  get fhirContext() {
    const context = this.token?.fhirContext;
    return Array.isArray(context) ? context : [];
  }
  get needPatientBanner() {
    const value = this.token?.need_patient_banner;
    return typeof value === "boolean" ? value : void 0;
  }
  get smartStyleUrl() {
    return this.#text("smart_style_url");
  }
  get intent() {
    return this.#text("intent");
  }
  get tenant() {
    return this.#text("tenant");
  }
  /** The user's FHIR resource URL, only from a verified id_token; relative values resolve against the FHIR base (E18). */
  get fhirUser() {
    return resolveFhirUser(this.#claims, this.fhirBaseUrl);
  }
  /** Claims of the verified id_token, if one was verified. */
  get idTokenClaims() {
    return this.#claims;
  }
  /** The granted scopes; when the server sent none, the requested ones (see scopesConfirmed) (E1). */
  get scopes() {
    const scope = this.token?.scope ?? this.#options.requestedScope ?? "";
    if (this.#scopeCache?.[0] !== scope) this.#scopeCache = [scope, smartScopes.parseScope(scope)];
    return this.#scopeCache[1];
  }
  /** False when `scopes` is the requested scope standing in for a missing `scope` in the response. */
  get scopesConfirmed() {
    return this.#text("scope") !== void 0;
  }
  /**
   * What is wrong with the grant as the server gave it (checklist E1): `patient/` scopes without a
   * `patient` in context, and scopes a refresh returned beyond the original grant (a server bug).
   */
  get grantIssues() {
    const issues = [];
    if (this.scopes.contexts.includes("patient") && this.patientId === void 0) issues.push("patient scopes granted without a patient in context");
    if (this.#widenedOnRefresh.length > 0) issues.push(`refresh widened the grant: ${this.#widenedOnRefresh.join(" ")}`);
    return issues;
  }
  /** Whether a refresh token is held. */
  get canRefresh() {
    return this.#text("refresh_token") !== void 0;
  }
  /** A summary safe to log: no token. */
  toJSON() {
    return { clientId: this.clientId, fhirBaseUrl: this.fhirBaseUrl, patient: this.patientId, scope: this.token?.scope };
  }
  #text(key) {
    const value = this.token?.[key];
    return typeof value === "string" ? value : void 0;
  }
  async #settle() {
    const ready = this.#ready;
    this.#ready = void 0;
    await ready;
  }
  #verify(idToken, extra) {
    return verifyIdToken(idToken, { ...this.#options, ...extra, now: this.#now });
  }
  // The refreshed token; SMART 2.2 app-launch.html#response-7: a refreshed scope is the original or a subset, never wider.
  async #refreshed(previous, fresh) {
    const merged = mergeRefreshed(previous, fresh);
    if (typeof fresh.scope === "string" && typeof previous.scope === "string") this.#widenedOnRefresh = smartScopes.diffScopes(previous.scope, fresh.scope).added;
    const idToken = fresh.id_token;
    if (typeof idToken !== "string" || idToken === previous.id_token) return merged;
    try {
      const { issuer, jwks_uri } = this.smartConfig;
      if (typeof issuer !== "string" || typeof jwks_uri !== "string") throw new Error("unverifiable");
      const nonce = this.#claims?.nonce;
      const claims = await (nonce !== void 0 ? this.#verify(idToken, { nonce }).catch(() => this.#verify(idToken, {})) : this.#verify(idToken, {}));
      if (this.#claims && claims.sub !== this.#claims.sub) throw new Error("different subject");
      markVerified(merged, this.#claims = claims);
    } catch {
      if (typeof previous.id_token === "string") merged.id_token = previous.id_token;
      else delete merged.id_token;
    }
    return merged;
  }
};
function mergeRefreshed(previous, fresh) {
  const { expires_in: _in, expires_at: _at, ...kept } = previous;
  const merged = { ...kept, ...fresh };
  for (const key of ["refresh_token", "scope", "id_token", ...CONTEXT_KEYS]) {
    if (fresh[key] === void 0 && previous[key] !== void 0) merged[key] = previous[key];
  }
  return merged;
}
function extraLocations(token, allowInsecure) {
  const details = token.authorization_details;
  return (Array.isArray(details) ? details : []).flatMap(
    (item) => item?.type === "smart_on_fhir" && Array.isArray(item.locations) ? item.locations.filter((l) => {
      try {
        return typeof l === "string" && !!assertSecureUrl(l, allowInsecure);
      } catch {
        return false;
      }
    }) : []
  );
}

// src/launch-state.ts
var InMemoryLaunchStateStore = class {
  #records = /* @__PURE__ */ new Map();
  #now;
  #max;
  constructor(options = {}) {
    this.#now = options.now ?? Date.now;
    this.#max = options.maxEntries ?? 1e4;
  }
  async put(state, record, ttlMs) {
    const now = this.#now();
    for (const [key, entry] of this.#records) {
      if (entry.until > now) break;
      this.#records.delete(key);
    }
    while (this.#records.size >= this.#max) this.#records.delete(this.#records.keys().next().value);
    this.#records.set(state, { record: structuredClone(record), until: now + ttlMs });
  }
  async take(state) {
    const entry = this.#records.get(state);
    this.#records.delete(state);
    return entry && entry.until > this.#now() ? entry.record : void 0;
  }
  /** Records waiting (an expired one is counted until a put finds it at the front; `take` never returns it). */
  get size() {
    return this.#records.size;
  }
};
function normaliseBaseUrl(value) {
  try {
    const u = new URL(value);
    return `${u.origin}${u.pathname.replace(/\/+$/, "")}${u.search}`;
  } catch {
    return void 0;
  }
}
var SmartLaunch = class {
  #o;
  #states;
  #now;
  constructor(options) {
    const who = "SmartLaunch";
    text(who, requireOptions(who, options).clientId, "clientId");
    if (normaliseBaseUrl(options.redirectUri) === void 0) needs(who, "redirectUri (the registered absolute URL)");
    authorizeScope(options.scope, void 0, who);
    if (options.fhirBaseUrl !== void 0 && normaliseBaseUrl(options.fhirBaseUrl) === void 0) needs(who, "fhirBaseUrl as an absolute URL");
    this.#o = options;
    this.#states = options.stateStore ?? new InMemoryLaunchStateStore(options);
    this.#now = options.now ?? Date.now;
  }
  /**
   * Start an EHR launch from the launch URL's `iss` and `launch` (checklist 2.15-2.17): `iss` is
   * checked against the allow-list first, then discovered; `aud` is `iss` byte for byte.
   */
  async ehrLaunch(input, options = {}) {
    const params = toParams(input);
    const iss = params.get("iss");
    const launch = params.get("launch");
    if (!iss || !launch) throw fail(SmartAuthErrorCode.InvalidCallback, "An EHR launch needs both iss and launch parameters");
    return this.#start(iss, launch, options.session);
  }
  /** Start a standalone launch against `fhirBaseUrl` (default the configured one; others must be trusted). */
  async standaloneLaunch(options = {}) {
    const base = options.fhirBaseUrl ?? this.#o.fhirBaseUrl;
    if (typeof base !== "string") needs("standaloneLaunch", "fhirBaseUrl (here or in the SmartLaunch options)");
    return this.#start(base, void 0, options.session);
  }
  /**
   * Finish a launch from the redirect URL (or its query): `state` is checked first and consumed
   * (single use, E12), then `error` becomes `authorization_denied`, a redirect without `code` is
   * refused (E9), the code is exchanged once and the id_token verified (nonce included).
   */
  async handleCallback(callback, options = {}) {
    const params = toParams(callback);
    const state = params.get("state");
    const { storeKey: keyOf, ...o } = this.#o;
    const badState = (why) => fail(SmartAuthErrorCode.InvalidState, `The authorization redirect's state ${why}`);
    const badCallback = (why) => fail(SmartAuthErrorCode.InvalidCallback, `The authorization redirect ${why}`);
    if (!state) throw badState("is missing");
    if (["state", "code", "error", "iss"].some((name) => params.getAll(name).length > 1)) throw badCallback("repeats a parameter");
    if (o.tokenStore && options.storeKey === void 0 && typeof keyOf !== "function") needs("handleCallback", "storeKey when a tokenStore is configured");
    const record = await this.#states.take(state);
    if (!record || record.state !== state || record.createdAt + (o.stateTtlMs ?? 6e5) <= this.#now()) {
      throw badState("is unknown, expired or already used: start the launch again");
    }
    if (record.session !== options.session) throw badState("belongs to another session");
    const { smartConfig, clientId } = record;
    const iss = params.get("iss");
    if (iss !== null && typeof smartConfig.issuer === "string" && iss !== smartConfig.issuer) throw badCallback("names another authorization server (iss)");
    const error = params.get("error");
    if (error !== null) {
      const description = params.get("error_description") || void 0;
      throw new SmartAuthError(`Authorization was not granted: ${error}${description ? ` (${description})` : ""}`, {
        code: SmartAuthErrorCode.AuthorizationDenied,
        error,
        errorDescription: description,
        errorUri: params.get("error_uri") || void 0
      });
    }
    const code = params.get("code");
    if (!code) throw badCallback("has neither code nor error");
    const token = await exchangeCode({ ...o, smartConfig, clientId, redirectUri: record.redirectUri, code, codeVerifier: record.codeVerifier, nonce: record.nonce });
    const storeKey = options.storeKey ?? (o.tokenStore && keyOf ? keyOf({ record, token }) : void 0);
    return new SmartClient({ ...o, smartConfig, clientId, tokens: token, fhirBaseUrl: record.fhirBaseUrl, requestedScope: record.scope, storeKey });
  }
  // The allow-list is checked before any discovery or credential use (E15, checklist 2.18).
  async #trusted(url) {
    const normalised = normaliseBaseUrl(url);
    const { trustedIssuers = [], fhirBaseUrl } = this.#o;
    if (normalised === void 0) return false;
    if (fhirBaseUrl !== void 0 && normaliseBaseUrl(fhirBaseUrl) === normalised) return true;
    if (typeof trustedIssuers === "function") return await trustedIssuers(url) === true;
    return trustedIssuers.some((t) => normaliseBaseUrl(t) === normalised);
  }
  async #start(fhirBaseUrl, launch, session) {
    if (!await this.#trusted(fhirBaseUrl)) throw fail(SmartAuthErrorCode.UntrustedIssuer, "The FHIR server is not on the allow-list of trusted issuers");
    const o = this.#o;
    assertSecureUrl(fhirBaseUrl, o.allowInsecureRequests);
    const smartConfig = await discoverSmartConfiguration(fhirBaseUrl, { ...o.discovery, ...transportOf(o) });
    const scope = authorizeScope(o.scope, launch);
    const codeVerifier = smartPkce.generateCodeVerifier();
    const state = smartPkce.generateState();
    const nonce = scope.split(" ").includes("openid") ? smartPkce.generateNonce() : void 0;
    const { clientId, redirectUri } = o;
    const request = buildAuthorizeRequest({
      ...o,
      smartConfig,
      scope,
      state,
      codeChallenge: await smartPkce.codeChallengeS256(codeVerifier),
      aud: fhirBaseUrl,
      launch,
      nonce,
      method: o.authorizeMethod
    });
    const record = { state, codeVerifier, nonce, redirectUri, fhirBaseUrl, smartConfig, clientId, scope, launch, session, createdAt: this.#now() };
    await this.#states.put(state, record, o.stateTtlMs ?? 6e5);
    return { ...request, state };
  }
};
function toParams(input) {
  if (input instanceof URLSearchParams) return input;
  if (input instanceof URL) return input.searchParams;
  if (typeof input === "string") return URL.canParse(input) ? new URL(input).searchParams : new URLSearchParams(input.replace(/^\?/, ""));
  if (typeof input !== "object" || input === null) throw new TypeError("Pass the launch or redirect URL, its query string, URLSearchParams, or { iss, launch }");
  return new URLSearchParams(Object.entries(input).filter((e) => typeof e[1] === "string"));
}

Object.defineProperty(exports, "DiscoveryError", {
  enumerable: true,
  get: function () { return smartDiscovery.DiscoveryError; }
});
Object.defineProperty(exports, "DiscoveryErrorCode", {
  enumerable: true,
  get: function () { return smartDiscovery.DiscoveryErrorCode; }
});
Object.defineProperty(exports, "capabilitySets", {
  enumerable: true,
  get: function () { return smartDiscovery.capabilitySets; }
});
Object.defineProperty(exports, "clearDiscoveryCache", {
  enumerable: true,
  get: function () { return smartDiscovery.clearDiscoveryCache; }
});
Object.defineProperty(exports, "hasCapability", {
  enumerable: true,
  get: function () { return smartDiscovery.hasCapability; }
});
Object.defineProperty(exports, "smartConfigurationUrl", {
  enumerable: true,
  get: function () { return smartDiscovery.smartConfigurationUrl; }
});
Object.defineProperty(exports, "validateSmartConfiguration", {
  enumerable: true,
  get: function () { return smartDiscovery.validateSmartConfiguration; }
});
Object.defineProperty(exports, "InMemoryTokenStore", {
  enumerable: true,
  get: function () { return tokenStore.InMemoryTokenStore; }
});
Object.defineProperty(exports, "TokenStoreError", {
  enumerable: true,
  get: function () { return tokenStore.TokenStoreError; }
});
Object.defineProperty(exports, "TokenStoreErrorCode", {
  enumerable: true,
  get: function () { return tokenStore.TokenStoreErrorCode; }
});
Object.defineProperty(exports, "hasLock", {
  enumerable: true,
  get: function () { return tokenStore.hasLock; }
});
Object.defineProperty(exports, "isStale", {
  enumerable: true,
  get: function () { return tokenStore.isStale; }
});
Object.defineProperty(exports, "toStoredToken", {
  enumerable: true,
  get: function () { return tokenStore.toStoredToken; }
});
exports.BackendServicesAuth = BackendServicesAuth;
exports.InMemoryLaunchStateStore = InMemoryLaunchStateStore;
exports.SmartAuthError = SmartAuthError;
exports.SmartAuthErrorCode = SmartAuthErrorCode;
exports.SmartClient = SmartClient;
exports.SmartLaunch = SmartLaunch;
exports.buildAuthorizeRequest = buildAuthorizeRequest;
exports.buildAuthorizeUrl = buildAuthorizeUrl;
exports.createAuthorizedFetch = createAuthorizedFetch;
exports.discoverSmartConfiguration = discoverSmartConfiguration;
exports.exchangeCode = exchangeCode;
exports.fhirBaseOf = fhirBaseOf;
exports.introspectToken = introspectToken;
exports.normaliseBaseUrl = normaliseBaseUrl;
exports.renderAuthorizeForm = renderAuthorizeForm;
exports.resolveFhirUser = resolveFhirUser;
exports.revokeToken = revokeToken;
exports.verifyIdToken = verifyIdToken;
Object.keys(smartScopes).forEach(function (k) {
  if (k !== 'default' && !Object.prototype.hasOwnProperty.call(exports, k)) Object.defineProperty(exports, k, {
    enumerable: true,
    get: function () { return smartScopes[k]; }
  });
});
Object.keys(smartPkce).forEach(function (k) {
  if (k !== 'default' && !Object.prototype.hasOwnProperty.call(exports, k)) Object.defineProperty(exports, k, {
    enumerable: true,
    get: function () { return smartPkce[k]; }
  });
});
