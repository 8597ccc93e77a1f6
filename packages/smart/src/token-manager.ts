import { hasLock, type StoredToken, type TokenLock, type TokenStore } from "@fhir-dsl/token-store";
import { SmartAuthError, SmartAuthErrorCode, fail } from "./errors.js";

export interface TokenManagerOptions {
  store: TokenStore;
  /** The store key of this grant. */
  key: string;
  now: () => number;
  /** Renew this long before expiry (default 60 s), capped at a quarter of the token's lifetime. */
  refreshMarginMs?: number;
  /** Lease on the cross-process refresh lock, and the longest a waiter waits for another process (default 30 s). */
  leaseMs?: number;
  /** Gets a new token; `current` is the latest stored one (re-read under the lock), if any. */
  obtain(current: StoredToken | undefined): Promise<StoredToken>;
  /** Whether `current` can be renewed at all (e.g. a SmartClient without refresh token cannot). */
  canObtain?(current: StoredToken | undefined): boolean;
  /**
   * Whether a token must be stored before it is served (default true: it may hold the only copy of a
   * rotated refresh token). False for tokens that can always be fetched again: a store outage (a
   * retryable failure) then costs sharing, not service; each failure goes to `onStoreError` (SECURITY.md F8).
   */
  storeRequired?: boolean;
  onStoreError?(error: SmartAuthError): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Holds one grant's token: served from memory while fresh (no store read, no decryption, no network on
 * the hot path); renewed once per expiry, shared by concurrent callers in-process (single-flight) and,
 * with a store that has `lock`, across processes: take the lease, re-read, renew only if still stale,
 * store, release; the others wait for the stored result (DESIGN.md, token-store contract).
 */
export class TokenManager {
  readonly #o: TokenManagerOptions;
  #token: StoredToken | undefined;
  #header: string | undefined;
  #renewAt = 0;
  #inflight: Promise<StoredToken> | undefined;
  #rejected: string | undefined;
  #unsaved = false;
  // Calls that may skip reading the clock. Reading it costs about as much as the rest of the hot path,
  // so with the default clock a timer at renewAt forces the next check, and every 64th call checks anyway
  // (a timer can fire late after a suspend; a token used late meets a 401, which renews it).
  #skipClockChecks = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #systemClock: boolean;

  constructor(options: TokenManagerOptions) {
    this.#o = options;
    this.#systemClock = options.now === Date.now;
  }

  /** The `Bearer …` header if a fresh token is in memory: the hot path, synchronous. */
  peek(): string | undefined {
    if (this.#skipClockChecks > 0) {
      this.#skipClockChecks--;
      return this.#header;
    }
    if (this.#header === undefined || this.#unsaved || this.#o.now() >= this.#renewAt) return undefined;
    if (this.#systemClock) this.#skipClockChecks = 63;
    return this.#header;
  }

  /** The token in memory, fresh or not (for launch context and scopes). */
  get token(): StoredToken | undefined {
    return this.#token;
  }

  /** A fresh token, renewing it if needed. */
  async get(): Promise<StoredToken> {
    if (this.peek() !== undefined) return this.#token!;
    this.#inflight ??= this.#renew().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async header(): Promise<string> {
    return this.peek() ?? `Bearer ${(await this.get()).access_token}`;
  }

  /** Put a token received elsewhere (e.g. from exchangeCode) into memory and the store. */
  async adopt(token: StoredToken): Promise<void> {
    this.remember(token);
    await this.#save(token);
  }

  /**
   * The server refused the token (401): forget it, and do not accept the same access token from the
   * store again, so the next call renews once (checklist E20) instead of looping on a dead token.
   */
  invalidate(accessToken = this.#token?.access_token): void {
    if (accessToken === undefined || accessToken !== this.#token?.access_token) return;
    this.#rejected = accessToken;
    this.#renewAt = 0;
    this.#skipClockChecks = 0;
  }

  /** Forget the token here and in the store (logout, invalid_grant). */
  async clear(): Promise<void> {
    clearTimeout(this.#saveTimer);
    this.#token = undefined;
    this.#header = undefined;
    this.#renewAt = 0;
    this.#skipClockChecks = 0;
    await this.#call("delete", () => this.#o.store.delete(this.#o.key));
  }

  /** Put a token into memory only (it came from the store). */
  remember(token: StoredToken): StoredToken {
    this.#token = token;
    this.#header = `Bearer ${token.access_token}`;
    this.#renewAt = renewAt(token, this.#o.refreshMarginMs ?? 60_000);
    this.#skipClockChecks = 0;
    if (token.access_token !== this.#rejected) this.#rejected = undefined;
    if (this.#systemClock) this.#armTimer();
    return token;
  }

  #armTimer(): void {
    clearTimeout(this.#timer);
    const delay = this.#renewAt - this.#o.now();
    if (!Number.isFinite(delay)) return;
    // at most ~24.8 days per timer; an early fire only means one more clock check. The timer holds the
    // manager weakly: a provider the app dropped (a finished session) is collected with its tokens now,
    // not when its token would have been renewed.
    const manager = new WeakRef(this);
    this.#timer = setTimeout(() => {
      const alive = manager.deref();
      if (alive) alive.#skipClockChecks = 0;
    }, Math.max(0, Math.min(delay, 2 ** 31 - 1)));
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #usable(token: StoredToken | undefined): token is StoredToken {
    return token !== undefined && token.access_token !== this.#rejected && this.#o.now() < renewAt(token, this.#o.refreshMarginMs ?? 60_000);
  }

  async #renew(): Promise<StoredToken> {
    // An unsaved token may hold the only copy of a rotated refresh token: store it first even when its access
    // token is stale, or the renewal below would read the store's older, already rotated one (SECURITY.md F20).
    if (this.#unsaved && this.#token !== undefined) {
      await this.#save(this.#token);
      if (this.#usable(this.#token)) return this.#token;
    }
    try {
      return await this.#renewThroughStore();
    } catch (error) {
      if (!this.#bypassable(error)) throw error;
      // the store could not be read or locked: renew without it (this process only)
      this.#report(error);
      return this.#obtainAndSave(this.#token);
    }
  }

  async #renewThroughStore(): Promise<StoredToken> {
    const { store, key, leaseMs = 30_000 } = this.#o;
    let stored: StoredToken | undefined;
    // the stored token when it is fresh (then also in memory); otherwise undefined, and `stored` is what the store held
    const loadFresh = async () => {
      stored = await this.#call("get", () => store.get(key));
      return this.#usable(stored) ? this.remember(stored) : undefined;
    };
    let found = await loadFresh();
    if (found) return found;
    if (!hasLock(store)) return this.#obtainAndSave(stored ?? this.#token);

    const deadline = this.#o.now() + leaseMs * 2;
    for (let wait = 25; ; wait = Math.min(wait * 2, 250)) {
      const lock: TokenLock | undefined = await this.#call("lock", () => store.lock(key, leaseMs));
      if (lock) {
        try {
          return (await loadFresh()) ?? (await this.#obtainAndSave(stored ?? this.#token));
        } finally {
          await lock.release().catch(() => undefined);
        }
      }
      // Another process is renewing: wait for its token to land in the store.
      await sleep(wait);
      if ((found = await loadFresh())) return found;
      if (this.#o.now() > deadline) {
        throw new SmartAuthError("Another process held the refresh lock and no fresh token appeared in time", {
          code: SmartAuthErrorCode.RefreshLockTimeout,
          retryable: true,
        });
      }
    }
  }

  async #obtainAndSave(current: StoredToken | undefined): Promise<StoredToken> {
    if (this.#o.canObtain?.(current) === false) {
      throw fail(SmartAuthErrorCode.ReauthorizationRequired, "The access token expired and there is no refresh token: authorize again");
    }
    const fresh = await this.#o.obtain(current).catch(async (error) => {
      if (SmartAuthError.is(error) && error.code === SmartAuthErrorCode.ReauthorizationRequired) await this.clear().catch(() => undefined);
      throw error;
    });
    this.remember(fresh);
    await this.#save(fresh);
    return fresh;
  }

  // A token that could not be stored is kept in memory (it may be the only copy of a rotated refresh
  // token) and saving is retried on the next call; this call still reports the store failure.
  // With an optional store that is out (a retryable failure), the token is served and saved in the background.
  async #save(token: StoredToken): Promise<void> {
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
  #bypassable(error: unknown): error is SmartAuthError {
    return this.#o.storeRequired === false && SmartAuthError.is(error) && error.code === SmartAuthErrorCode.TokenStore && error.retryable;
  }

  // An optional store's failed save is retried in the background (backoff up to 30 s) while the token is
  // current and fresh, so the fleet shares it again once the store is back. It may land over a token another
  // process stored meanwhile: both are valid, since an optional store holds no refresh token.
  #saveLater(token: StoredToken, delayMs: number): void {
    clearTimeout(this.#saveTimer);
    this.#saveTimer = setTimeout(() => {
      if (token !== this.#token || !this.#usable(token)) return;
      this.#call("set", () => this.#o.store.set(this.#o.key, token)).catch((error: SmartAuthError) => {
        this.#report(error);
        if (this.#bypassable(error)) this.#saveLater(token, Math.min(delayMs * 2, 30_000));
      });
    }, delayMs);
    (this.#saveTimer as { unref?: () => void }).unref?.();
  }

  #report(error: SmartAuthError): void {
    try {
      this.#o.onStoreError?.(error);
    } catch {
      // a throwing observer must not take the token away
    }
  }

  async #call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (cause) {
      throw storeError(operation, this.#o.key, cause);
    }
  }
}

/** A failed token store call as a SmartAuthError; the store's error is the `cause`, the value never shown. */
export const storeError = (operation: string, key: string, cause: unknown) =>
  new SmartAuthError(`Token store ${operation} failed for key "${key}"`, {
    code: SmartAuthErrorCode.TokenStore,
    retryable: (cause as { retryable?: unknown } | undefined)?.retryable === true,
    cause,
  });

/** When to renew: `expires_at` minus the margin, the margin capped at a quarter of the lifetime. */
export function renewAt(token: StoredToken, marginMs: number): number {
  if (token.expires_at === undefined) return Number.POSITIVE_INFINITY;
  const lifetimeMs = typeof token.expires_in === "number" ? token.expires_in * 1000 : Number.POSITIVE_INFINITY;
  return token.expires_at - Math.min(marginMs, lifetimeMs / 4);
}
