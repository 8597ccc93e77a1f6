import {
  SmartAuthError,
  SmartAuthErrorCode,
  SmartClient,
  completeLaunch,
  type SmartConfiguration,
} from "@fhir-dsl/smart";
import { binding, environment, launchOptions, type BrowserAppOptions, type Environment } from "./flow.js";
import { WebStorageTokenStore } from "./token-store.js";
import { corrupt, keysUnder, parseObject, storageCall } from "./web-storage.js";

// Redirect parameters stripped from the address bar (RFC 6749 §4.1.2, RFC 9207): no code stays in the URL or history.
const REDIRECT_PARAMS = ["code", "state", "iss", "error", "error_description", "error_uri", "session_state"];
const CLIENT_KEY = "client";
const STORE_KEY = "session";

const tokenStore = (env: Environment) => new WebStorageTokenStore({ storage: env.storage, prefix: env.prefix });

/**
 * The redirect page's one call. With `code`/`state` in the URL it completes the launch: the parameters are
 * stripped from the address bar first (history.replaceState), the state is taken once (a replayed callback,
 * e.g. "back", is `invalid_state` and leaves the stored session alone: checklist 2.3, E12), the code exchanged
 * and the id_token verified by completeLaunch (SmartLaunch's callback half). Without them it resumes the session
 * of this storage after a reload, refreshing an expired token when a refresh token is held; no session is
 * `reauthorization_required`.
 */
export async function ready(options: BrowserAppOptions): Promise<SmartClient> {
  const env = environment("ready", options);
  const page = new URL(env.location.href);
  if (!page.searchParams.has("state")) return resume(options, env);
  const callback = new URLSearchParams(page.searchParams);
  for (const name of REDIRECT_PARAMS) page.searchParams.delete(name);
  env.history?.replaceState(env.history.state, "", page.href);
  const launch = {
    ...launchOptions(options, env, options.scope ?? "openid", options.redirectUri ?? new URL(".", page).href),
    tokenStore: tokenStore(env),
    storeKey: () => STORE_KEY,
  };
  const client = await completeLaunch(launch, callback, { session: binding(env), storeKey: STORE_KEY });
  await client.getToken(); // the token is in storage before the app can reload
  const info = JSON.stringify({
    v: 1,
    fhirBaseUrl: client.fhirBaseUrl,
    smartConfig: client.smartConfig,
    scope: String(client.token?.original_scope ?? client.token?.scope ?? ""),
  });
  const name = env.prefix + CLIENT_KEY;
  storageCall(name, "write", () => env.storage.setItem(name, info));
  return client;
}

/** Resume this storage's session (after a reload). */
async function resume(options: BrowserAppOptions, env: Environment): Promise<SmartClient> {
  const name = env.prefix + CLIENT_KEY;
  const text = storageCall(name, "read", () => env.storage.getItem(name));
  if (text === null) throw reauthorize("No SMART session in this browser tab: open the app from its launch page");
  const info = parseObject(text);
  if (
    info?.v !== 1 ||
    typeof info.fhirBaseUrl !== "string" ||
    typeof info.smartConfig !== "object" ||
    info.smartConfig === null ||
    typeof info.scope !== "string"
  ) {
    storageCall(name, "remove", () => env.storage.removeItem(name));
    throw corrupt(name, "not a session this library wrote");
  }
  const {
    location: _l,
    history: _h,
    storage: _s,
    prefix: _p,
    scope: _scope,
    redirectUri: _r,
    trustedIssuers: _t,
    discovery: _d,
    ...rest
  } = options;
  const tokens = tokenStore(env);
  const client = await SmartClient.restore({
    ...rest,
    smartConfig: info.smartConfig as SmartConfiguration,
    fhirBaseUrl: info.fhirBaseUrl,
    requestedScope: info.scope,
    tokenStore: tokens,
    storeKey: STORE_KEY,
  });
  if (client === undefined)
    throw reauthorize("The SMART session of this tab has ended: open the app from its launch page");
  const expiresAt = client.token?.expires_at;
  if (expiresAt === undefined || expiresAt > (options.now ?? Date.now)()) return client;
  if (!client.canRefresh) {
    await tokens.delete(STORE_KEY);
    throw reauthorize("The access token has expired and no refresh token is held: open the app from its launch page");
  }
  await client.getToken(); // refreshes, and stores the rotated refresh token (SMART 2.2 app-launch.html#refresh-access-token)
  return client;
}

/**
 * Forget this client's SMART data in the storage: the session, the token, waiting launches. With `client`
 * and `revoke: true`, the tokens are revoked at the server first (RFC 7009); storage is cleared either way.
 */
export async function signOut(options: BrowserAppOptions & { client?: SmartClient; revoke?: boolean }): Promise<void> {
  const env = environment("signOut", options);
  try {
    if (options.revoke === true && options.client !== undefined) await options.client.revoke();
  } finally {
    for (const key of keysUnder(env.storage, env.prefix)) storageCall(key, "remove", () => env.storage.removeItem(key));
  }
}

const reauthorize = (message: string) =>
  new SmartAuthError(message, { code: SmartAuthErrorCode.ReauthorizationRequired });
