import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { discoverSmartConfiguration, SmartClient, type TokenStore } from "@fhir-dsl/smart";

const ID = /^[A-Za-z0-9_-]{43}$/;

/** 256 random bits, base64url. */
export const randomId = () => randomBytes(32).toString("base64url");

/** What logs, pages, errors and store keys show of a session: a hash, never the cookie value. */
export const sessionTag = (sessionId: string) =>
  createHash("sha256").update(sessionId).digest("base64url").slice(0, 22);

export interface SessionCookieOptions {
  /** HMAC key for session cookies; share it between instances (and restarts) that serve the same users. Default: random per process. */
  secret?: string | Uint8Array;
  /**
   * `Secure` cookies with the `__Host-` prefix. Default: when the request URL is https. Set `true` behind a
   * TLS-terminating proxy (the app sees http, the browser https).
   */
  secure?: boolean;
}

/**
 * The browser session, in a cookie the server signed: a value the server never issued (planted by another
 * site, a subdomain, or a man in the middle) is never adopted, and the id changes at each login (the
 * callback), so an id an attacker fixed in the browser is worthless afterwards. HttpOnly (no script reads
 * it), SameSite=Lax (sent on the authorization server's top-level redirect back to /callback), `Secure` and
 * `__Host-` on https (no subdomain can set or shadow it).
 */
export class Sessions {
  readonly #secret: Buffer;
  readonly #secure: boolean | undefined;

  constructor(options: SessionCookieOptions = {}) {
    this.#secret = options.secret === undefined ? randomBytes(32) : Buffer.from(options.secret);
    if (this.#secret.length < 32) throw new TypeError("Sessions needs a secret of at least 32 bytes");
    this.#secure = options.secure;
  }

  secure(c: Context): boolean {
    return this.#secure ?? new URL(c.req.url).protocol === "https:";
  }

  cookieName(c: Context): string {
    return this.secure(c) ? "__Host-app_session" : "app_session";
  }

  /** The session id of a cookie value, when this server issued it (its MAC checks); otherwise undefined. */
  verify(value: string | undefined): string | undefined {
    const [id, mac, extra] = (value ?? "").split(".");
    if (!id || !mac || extra !== undefined || !ID.test(id)) return undefined;
    const expected = this.#mac(id);
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
  }

  /** This browser's session id, when it presents one the server issued. */
  current(c: Context): string | undefined {
    return this.verify(getCookie(c, this.cookieName(c)));
  }

  /** This browser's session id; a new one (cookie set) when it has none the server issued. */
  ensure(c: Context): string {
    return this.current(c) ?? this.issue(c, randomId());
  }

  /** Give the browser `id` as its session (a new random id at login: rotation). */
  issue(c: Context, id: string): string {
    setCookie(c, this.cookieName(c), `${id}.${this.#mac(id).toString()}`, {
      httpOnly: true,
      sameSite: "Lax",
      path: "/",
      secure: this.secure(c),
    });
    return id;
  }

  /**
   * Bind a launch to this browser (checklist 2.33): a random value in a cookie named after the launch's
   * `state`, so tabs launching at once each have their own, even before the session cookie settles.
   */
  bindLaunch(c: Context, state: string, binding: string): void {
    const secure = this.secure(c);
    // `__Host-` requires Path=/; without it the cookie is narrowed to /callback
    setCookie(c, `${secure ? "__Host-" : ""}launch_${state}`, binding, {
      httpOnly: true,
      sameSite: "Lax",
      path: secure ? "/" : "/callback",
      maxAge: 600,
      secure,
    });
  }

  /** The binding the browser presents for the `state` of this callback (and forget it: a state is used once). */
  launchBinding(c: Context): string | undefined {
    const state = c.req.query("state");
    if (!state || !/^[\w-]{16,128}$/.test(state)) return undefined;
    const secure = this.secure(c);
    const name = `${secure ? "__Host-" : ""}launch_${state}`;
    const binding = getCookie(c, name);
    if (binding) deleteCookie(c, name, { path: secure ? "/" : "/callback", secure });
    return binding;
  }

  #mac(id: string): Buffer {
    return Buffer.from(createHmac("sha256", this.#secret).update(`app-session:${id}`).digest("base64url"));
  }
}

/**
 * The launched SMART sessions of each browser session, one per launch (so two tabs launching at once
 * each keep their own patient). Clients are cached in memory; their tokens live in the TokenStore under
 * `app:<hash of the session id>:<launch>`, so after a restart (or on another instance sharing the store and
 * the session secret) they are restored.
 */
export class Launches {
  readonly #clients = new Map<string, SmartClient>();
  readonly #bySession = new Map<string, { ctx: string; label: string }[]>();

  constructor(private readonly options: { tokenStore: TokenStore; clientId: string; fhirBaseUrl: string }) {}

  storeKey(session: string, ctx: string): string {
    return `app:${sessionTag(session)}:${ctx}`;
  }

  add(session: string, ctx: string, client: SmartClient, label: string): void {
    this.#clients.set(this.storeKey(session, ctx), client);
    this.#bySession.set(sessionTag(session), [...this.list(session), { ctx, label }]);
  }

  list(session: string | undefined): { ctx: string; label: string }[] {
    return session === undefined ? [] : (this.#bySession.get(sessionTag(session)) ?? []);
  }

  /** This session's client for `ctx`, from memory or restored from the store; undefined when unknown. */
  async get(session: string | undefined, ctx: string): Promise<SmartClient | undefined> {
    if (session === undefined || !ID.test(ctx)) return undefined;
    const key = this.storeKey(session, ctx);
    const cached = this.#clients.get(key);
    if (cached) return cached;
    const { tokenStore, clientId, fhirBaseUrl } = this.options;
    const smartConfig = await discoverSmartConfiguration(fhirBaseUrl);
    const restored = await SmartClient.restore({ smartConfig, clientId, tokenStore, storeKey: key, fhirBaseUrl });
    if (restored) this.#clients.set(key, restored);
    return restored;
  }

  /**
   * Session rotation at login: the launches of `from` move to `to` (their tokens to the new store keys), and
   * `from` is left with nothing, so whoever else knows the old id finds an empty session.
   */
  async move(from: string | undefined, to: string): Promise<void> {
    if (from === undefined || from === to) return;
    const { tokenStore } = this.options;
    const moved = this.list(from);
    this.#bySession.delete(sessionTag(from));
    for (const launch of moved) {
      const [oldKey, newKey] = [this.storeKey(from, launch.ctx), this.storeKey(to, launch.ctx)];
      this.#clients.delete(oldKey); // a cached client would keep writing to the old key; the next page restores it
      const token = await tokenStore.get(oldKey);
      if (token) await tokenStore.set(newKey, token);
      await tokenStore.delete(oldKey);
    }
    this.#bySession.set(sessionTag(to), [...moved, ...this.list(to)]);
  }

  /** Forget a launch whose grant ended (memory only; the client cleared its stored token). */
  drop(session: string, ctx: string): void {
    this.#clients.delete(this.storeKey(session, ctx));
    this.#bySession.set(
      sessionTag(session),
      this.list(session).filter((l) => l.ctx !== ctx),
    );
  }
}
