// What the launch page (launch-page.ts) and the app page (app-page.ts) share: the options, the page's storage and
// location, the launch-state store, and the random value that binds a launch to this storage.
import type { LaunchStepOptions, SmartLaunchOptions } from "@fhir-dsl/smart";
import { WebStorageLaunchStateStore } from "./launch-state-store.js";
import { resolveWebStorage, storageCall, type WebStorageOptions } from "./web-storage.js";

/** The part of `window.location` the flow uses (injectable for tests). */
export interface BrowserLocation {
  readonly href: string;
  assign(url: string): void;
}

/** The part of `window.history` the flow uses (injectable for tests). */
export interface BrowserHistory {
  readonly state: unknown;
  replaceState(data: unknown, unused: string, url?: string | URL | null): void;
}

type LaunchPassThrough = Omit<
  SmartLaunchOptions,
  "redirectUri" | "scope" | "stateStore" | "tokenStore" | "storeKey" | "allowUnboundState" | "authorizeMethod"
>;

/** Options of `authorize`, `ready` and `signOut`: pass the same object to each. */
export interface BrowserAppOptions extends LaunchPassThrough, Omit<WebStorageOptions, "clientId"> {
  clientId: string;
  /** Scopes to request (needed by `authorize`; `ready` reads the requested scope from the launch record). */
  scope?: string;
  /** The registered redirect URI, exactly (default: the launch page's directory, as fhirclient's "."). */
  redirectUri?: string;
  /** Standalone launch: the FHIR base to launch against (used when the page URL carries no `iss`). */
  fhirBaseUrl?: string;
  /** Default `window.location`. */
  location?: BrowserLocation;
  /** Default `window.history`. */
  history?: BrowserHistory;
}

const BINDING_KEY = "binding";

// Each page builds only the stores it uses: authorize the launch-state one, ready both, signOut neither.
export function environment(who: string, options: BrowserAppOptions) {
  if (
    typeof options !== "object" ||
    options === null ||
    typeof options.clientId !== "string" ||
    options.clientId.length === 0
  ) {
    throw new TypeError(`${who} needs { clientId } (and scope for authorize)`);
  }
  const { storage, prefix } = resolveWebStorage(who, options);
  const location = options.location ?? globalThis.location;
  const history = options.history ?? globalThis.history;
  if (typeof location?.href !== "string")
    throw new TypeError(`${who} found no window.location here: pass options.location`);
  return { storage, prefix, location, history };
}

export type Environment = ReturnType<typeof environment>;

const launchStates = (env: Environment, options: BrowserAppOptions) =>
  new WebStorageLaunchStateStore({ storage: env.storage, prefix: env.prefix, now: options.now });

// SmartLaunch's options for this app; checklist 2.9, E11: GET only (a page navigates), PKCE S256 always
export function launchOptions(
  options: BrowserAppOptions,
  env: Environment,
  scope: string,
  redirectUri: string,
): LaunchStepOptions {
  const { location: _l, history: _h, storage: _s, prefix: _p, ...rest } = options;
  return { ...rest, scope, redirectUri, stateStore: launchStates(env, options), authorizeMethod: "GET" };
}

/**
 * Checklist 2.33: the value that binds a launch to this storage (this tab, with sessionStorage), made with
 * `create` when there is none yet (the launch page passes the random generator: the redirect page never creates one).
 */
export function binding(env: Environment, create?: () => string): string | undefined {
  const name = env.prefix + BINDING_KEY;
  const value = storageCall(name, "read", () => env.storage.getItem(name));
  if (value !== null || !create) return value ?? undefined;
  const fresh = create();
  storageCall(name, "write", () => env.storage.setItem(name, fresh));
  return fresh;
}
