import { randomBytes } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { discoverSmartConfiguration, SmartClient, type TokenStore } from "@fhir-dsl/smart";

export const SESSION_COOKIE = "app_session";
const ID = /^[A-Za-z0-9_-]{43}$/;

/** 256 random bits, base64url. */
export const randomId = () => randomBytes(32).toString("base64url");

/**
 * The browser session id from its cookie, set when missing: HttpOnly (no script reads it), SameSite=Lax
 * (sent on the authorization server's top-level redirect back to /callback), Secure on https.
 */
export function sessionId(c: Context): string {
  const current = getCookie(c, SESSION_COOKIE);
  if (current && ID.test(current)) return current;
  const id = randomId();
  setCookie(c, SESSION_COOKIE, id, { httpOnly: true, sameSite: "Lax", path: "/", secure: new URL(c.req.url).protocol === "https:" });
  return id;
}

/**
 * Bind a launch to this browser (checklist 2.33): a random value in a cookie named after the launch's
 * `state`, so tabs launching at once each have their own, even before the session cookie settles.
 */
export function bindLaunch(c: Context, state: string, binding: string): void {
  setCookie(c, `launch_${state}`, binding, { httpOnly: true, sameSite: "Lax", path: "/callback", maxAge: 600, secure: new URL(c.req.url).protocol === "https:" });
}

/** The binding the browser presents for the `state` of this callback (and forget it: a state is used once). */
export function launchBinding(c: Context): string | undefined {
  const state = c.req.query("state");
  if (!state || !/^[\w-]{16,128}$/.test(state)) return undefined;
  const binding = getCookie(c, `launch_${state}`);
  if (binding) deleteCookie(c, `launch_${state}`, { path: "/callback" });
  return binding;
}

/**
 * The launched SMART sessions of each browser session, one per launch (so two tabs launching at once
 * each keep their own patient). Clients are cached in memory; their tokens live in the TokenStore under
 * `app:<session>:<launch>`, so after a restart (or on another instance sharing the store) they are restored.
 */
export class Launches {
  readonly #clients = new Map<string, SmartClient>();
  readonly #bySession = new Map<string, { ctx: string; label: string }[]>();

  constructor(private readonly options: { tokenStore: TokenStore; clientId: string; fhirBaseUrl: string }) {}

  storeKey(session: string, ctx: string): string {
    return `app:${session}:${ctx}`;
  }

  add(session: string, ctx: string, client: SmartClient, label: string): void {
    this.#clients.set(this.storeKey(session, ctx), client);
    this.#bySession.set(session, [...(this.#bySession.get(session) ?? []), { ctx, label }]);
  }

  list(session: string): { ctx: string; label: string }[] {
    return this.#bySession.get(session) ?? [];
  }

  /** This session's client for `ctx`, from memory or restored from the store; undefined when unknown. */
  async get(session: string, ctx: string): Promise<SmartClient | undefined> {
    if (!ID.test(ctx)) return undefined;
    const key = this.storeKey(session, ctx);
    const cached = this.#clients.get(key);
    if (cached) return cached;
    const { tokenStore, clientId, fhirBaseUrl } = this.options;
    const smartConfig = await discoverSmartConfiguration(fhirBaseUrl);
    const restored = await SmartClient.restore({ smartConfig, clientId, tokenStore, storeKey: key, fhirBaseUrl });
    if (restored) this.#clients.set(key, restored);
    return restored;
  }

  /** Forget a launch whose grant ended (memory only; the client cleared its stored token). */
  drop(session: string, ctx: string): void {
    this.#clients.delete(this.storeKey(session, ctx));
    this.#bySession.set(session, this.list(session).filter((l) => l.ctx !== ctx));
  }
}
