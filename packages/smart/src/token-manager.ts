import {
  hasLock,
  type LockingTokenStore,
  type StoredToken,
  type TokenLock,
  type TokenStore,
} from "@fhir-dsl/token-store";
import { SmartAuthError, SmartAuthErrorCode, fail } from "./errors.js";
import { DEFAULT_REFRESH_MARGIN_MS } from "./defaults.js";
import { MIN_DEFAULT_LEASE_MS } from "./lease.js";
import { RenewalScheduler } from "./renewal-scheduler.js";
import type { FleetHost } from "./fleet-renewal.js";
import { sameToken, storeError } from "./store-calls.js";
import { chunkLoader } from "./chunk-load.js";

export { sameToken, storeError } from "./store-calls.js";

export interface TokenManagerOptions {
  store: TokenStore;
  /** The store key of this grant. */
  key: string;
  now: () => number;
  /** Renew this long before expiry (default 60 s), capped at a quarter of the token's lifetime. */
  refreshMarginMs?: number;
  /**
   * Lease on the cross-process refresh lock, and the longest a waiter waits for another process (default
   * 30 s). The holder extends it every `leaseMs / 3` while its refresh runs (SECURITY.md F10).
   */
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
  /**
   * The store was made for this manager alone (the flow was given none): nothing else reads or renews
   * through it, so no lease is taken (single-flight already renews once) and the fleet code is never loaded.
   */
  ownStore?: boolean;
  onStoreError?(error: SmartAuthError): void;
}

/**
 * Holds one grant's token: served from memory while fresh (no store read, no decryption, no network on
 * the hot path); renewed once per expiry, shared by concurrent callers in-process (single-flight) and,
 * with a store that has `lock`, across processes: take the lease, re-read, renew only if still stale,
 * store, release; the others wait for the stored result (ARCHITECTURE.md, flow 3).
 */
export class TokenManager {
  readonly #o: TokenManagerOptions;
  #token: StoredToken | undefined;
  #header: string | undefined;
  #renewAt = 0;
  #inflight: Promise<StoredToken> | undefined;
  #rejected: string | undefined;
  #unsaved = false;
  // Set when a refreshed token could not be written through its lease: the token it was refreshed from.
  // It is then written only where the store still holds that one (SECURITY.md F10).
  #pendingBase: { base: StoredToken | undefined } | undefined;
  // Calls that may skip reading the clock. Reading it costs about as much as the rest of the hot path,
  // so with the default clock a timer at renewAt forces the next check, and every 64th call checks anyway
  // (a timer can fire late after a suspend; a token used late meets a 401, which renews it).
  #skipClockChecks = 0;
  // Renewal wake-ups share one process-wide timer (renewal-scheduler.ts), which holds managers weakly.
  // Made on first use, not at module load: a static initializer is a side effect that keeps this class (and all
  // it uses) in every bundle importing anything from the package (issue 20 item 6).
  static #renewals: RenewalScheduler<TokenManager> | undefined;
  static #scheduler(): RenewalScheduler<TokenManager> {
    return (TokenManager.#renewals ??= new RenewalScheduler<TokenManager>((manager, now) => manager.#wake(now)));
  }
  #self: WeakRef<TokenManager> | undefined;
  #wakeAt = 0; // the time of this manager's entry in the scheduler, 0 when none
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #systemClock: boolean;
  readonly #marginMs: number;
  readonly #leaseMs: number;

  constructor(options: TokenManagerOptions) {
    this.#o = options;
    this.#systemClock = options.now === Date.now;
    this.#marginMs = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
    this.#leaseMs = options.leaseMs ?? MIN_DEFAULT_LEASE_MS;
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
    this.#forget();
    await this.#call("delete", () => this.#o.store.delete(this.#o.key));
  }

  #forget(): void {
    clearTimeout(this.#saveTimer);
    this.#token = undefined;
    this.#header = undefined;
    this.#renewAt = 0;
    this.#skipClockChecks = 0;
    this.#pendingBase = undefined;
    this.#unsaved = false;
  }

  /** Put a token into memory only (it came from the store). */
  remember(token: StoredToken): StoredToken {
    this.#token = token;
    this.#header = `Bearer ${token.access_token}`;
    this.#renewAt = renewAt(token, this.#marginMs);
    this.#skipClockChecks = 0;
    if (token.access_token !== this.#rejected) this.#rejected = undefined;
    if (this.#systemClock) this.#armTimer();
    return token;
  }

  #armTimer(): void {
    // One entry per manager: an entry due no later than the new renewAt re-schedules itself when it fires.
    if ((this.#wakeAt !== 0 && this.#wakeAt <= this.#renewAt) || !Number.isFinite(this.#renewAt)) return;
    this.#wakeAt = this.#renewAt;
    TokenManager.#scheduler().schedule((this.#self ??= new WeakRef(this)), this.#renewAt);
  }

  // Called by the scheduler at (or after) the time it was given: the next peek reads the clock, unless the
  // token was replaced by a later one meanwhile, then it comes back at that one's renewAt.
  #wake(now: number): number | undefined {
    if (now < this.#renewAt && Number.isFinite(this.#renewAt)) return (this.#wakeAt = this.#renewAt);
    this.#wakeAt = 0;
    this.#skipClockChecks = 0;
    return undefined;
  }

  /** The process-wide renewal scheduler's entries and pending timers (0 or 1), for tests and the bench. */
  static get renewalStats(): { entries: number; timers: number } {
    return TokenManager.#scheduler().stats;
  }

  #usable(token: StoredToken | undefined): token is StoredToken {
    return (
      token !== undefined && token.access_token !== this.#rejected && this.#o.now() < renewAt(token, this.#marginMs)
    );
  }

  async #renew(): Promise<StoredToken> {
    // An unsaved token may hold the only copy of a rotated refresh token: store it first even when its access
    // token is stale, or the renewal below would read the store's older, already rotated one (SECURITY.md F20).
    if (this.#unsaved && this.#token !== undefined) {
      if (this.#pendingBase && hasLock(this.#o.store)) {
        // a refreshed token whose fenced write was refused: stored unless another process stored a newer one (F10)
        const kept = await (await loadFleetRenewal()).storeUnlessSuperseded(
          this.#fleetHost(this.#o.store),
          this.#token,
          this.#pendingBase.base,
        );
        if (this.#usable(kept)) return kept;
      } else {
        await this.#save(this.#token);
        if (this.#usable(this.#token)) return this.#token;
      }
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
    const { store, key } = this.#o;
    // the stored token when it is fresh (then also in memory); otherwise `stored` is what the store held
    const stored = await this.#call("get", () => store.get(key));
    if (this.#usable(stored)) return this.remember(stored);
    if (!hasLock(store) || this.#o.ownStore) return this.#obtainAndSave(stored ?? this.#token);
    return (await loadFleetRenewal()).renewUnderLease(this.#fleetHost(store), stored);
  }

  async #obtainAndSave(current: StoredToken | undefined): Promise<StoredToken> {
    const result = await this.#obtain(current, undefined);
    if ("stored" in result) return result.stored;
    this.remember(result.fresh);
    await this.#save(result.fresh);
    return result.fresh;
  }

  /** What the fleet renewal (fleet-renewal.ts) may see and change of this manager; built per renewal, not kept (memory per session). */
  #fleetHost(store: LockingTokenStore): FleetHost {
    return {
      store,
      key: this.#o.key,
      leaseMs: this.#leaseMs,
      storeRequired: this.#o.storeRequired,
      now: () => this.#o.now(),
      token: () => this.#token,
      pendingBase: () => this.#pendingBase,
      remember: (token) => this.remember(token),
      usable: (token): token is StoredToken => this.#usable(token),
      call: (operation, run) => this.#call(operation, run),
      report: (error) => this.#report(error),
      bypassable: (error): error is SmartAuthError => this.#bypassable(error),
      obtain: (current, lock) => this.#obtain(current, lock),
      saveLater: (token, delayMs) => this.#saveLater(token, delayMs),
      markUnsaved: () => {
        this.#unsaved = true;
        this.#skipClockChecks = 0;
      },
      markSaved: () => {
        this.#unsaved = false;
      },
      keepPending: (base) => {
        this.#pendingBase = { base };
      },
      settle: () => this.#settled(),
    };
  }

  #settled(): void {
    this.#unsaved = false;
    this.#pendingBase = undefined;
  }

  /**
   * The token request. On reauthorization_required (invalid_grant) the store is read again first: a newer
   * token another process stored is used; the stored token is deleted only if it is the one this refresh
   * was made from (never a token this process did not read), and under a lease only while it is still held.
   */
  async #obtain(
    current: StoredToken | undefined,
    lock: TokenLock | undefined,
  ): Promise<{ fresh: StoredToken } | { stored: StoredToken }> {
    if (this.#o.canObtain?.(current) === false) {
      throw fail(
        SmartAuthErrorCode.ReauthorizationRequired,
        "The access token expired and there is no refresh token: authorize again",
      );
    }
    const used = current ?? this.#token; // what the request was made from (SmartClient refreshes from the same)
    try {
      return { fresh: await this.#o.obtain(current) };
    } catch (error) {
      if (!SmartAuthError.is(error) || error.code !== SmartAuthErrorCode.ReauthorizationRequired) throw error;
      const stored = await this.#o.store.get(this.#o.key).catch(() => undefined);
      if (stored !== undefined && !sameToken(stored, used) && stored.access_token !== this.#rejected) {
        this.#settled();
        return { stored: this.remember(stored) };
      }
      this.#forget();
      const held = lock === undefined || (await lock.extend(this.#leaseMs).catch(() => false));
      if (held && sameToken(stored, used)) {
        await this.#o.store.delete(this.#o.key).catch(() => undefined);
      }
      throw error;
    }
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
    return (
      this.#o.storeRequired === false &&
      SmartAuthError.is(error) &&
      error.code === SmartAuthErrorCode.TokenStore &&
      error.retryable
    );
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

/** When to renew: `expires_at` minus the margin, the margin capped at a quarter of the lifetime. */
export function renewAt(token: StoredToken, marginMs: number): number {
  if (token.expires_at === undefined) return Number.POSITIVE_INFINITY;
  const lifetimeMs = typeof token.expires_in === "number" ? token.expires_in * 1000 : Number.POSITIVE_INFINITY;
  return token.expires_at - Math.min(marginMs, lifetimeMs / 4);
}

/** The lease protocol, imported on first use with a shared locking store: a browser tab's store has no lock and never loads it (issue 20 item 6). */
const loadFleetRenewal = /* @__PURE__ */ chunkLoader("the refresh lease code", () => import("./fleet-renewal.js"));
