import type { LockingTokenStore, StoredToken, TokenLock } from "@fhir-dsl/token-store";
import { SmartAuthError, SmartAuthErrorCode } from "./errors.js";
import { sameToken, storeError } from "./store-calls.js";

// One renewal per expiry for a whole fleet (ARCHITECTURE.md, flow 3; SECURITY.md F10): take the lease,
// re-read, renew only if still stale, write through the lease (fenced), release. Used by TokenManager
// with a locking store that others share (a store the flow made for itself takes no lease).

/** What the fleet renewal may see and change of its TokenManager (token-manager.ts). */
export interface FleetHost {
  store: LockingTokenStore;
  key: string;
  leaseMs: number;
  storeRequired: boolean | undefined;
  now(): number;
  token(): StoredToken | undefined;
  /** The token the unsaved one in memory was refreshed from, when its fenced write was refused. */
  pendingBase(): { base: StoredToken | undefined } | undefined;
  remember(token: StoredToken): StoredToken;
  usable(token: StoredToken | undefined): token is StoredToken;
  call<T>(operation: string, run: () => Promise<T>): Promise<T>;
  report(error: SmartAuthError): void;
  bypassable(error: unknown): error is SmartAuthError;
  obtain(
    current: StoredToken | undefined,
    lock: TokenLock | undefined,
  ): Promise<{ fresh: StoredToken } | { stored: StoredToken }>;
  saveLater(token: StoredToken, delayMs: number): void;
  /** The token in memory is not stored yet (it may hold the only copy of a rotated refresh token). */
  markUnsaved(): void;
  markSaved(): void;
  /** Store the unsaved token later only where the store still holds `base`. */
  keepPending(base: StoredToken | undefined): void;
  /** Stored: nothing unsaved, nothing pending. */
  settle(): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Renew under the fleet lease; `stored` is what the store held (stale or none) when the renewal began. */
export async function renewUnderLease(host: FleetHost, stored: StoredToken | undefined): Promise<StoredToken> {
  const { store, key, leaseMs } = host;
  // the stored token when it is fresh (then also in memory); otherwise undefined, and `stored` is what the store held
  const loadFresh = async () => {
    stored = await host.call("get", () => store.get(key));
    return host.usable(stored) ? host.remember(stored) : undefined;
  };
  let found: StoredToken | undefined;
  const deadline = host.now() + leaseMs * 2;
  for (let wait = 25; ; wait = Math.min(wait * 2, 250)) {
    const lock: TokenLock | undefined = await host.call("lock", () => store.lock(key, leaseMs));
    if (lock) {
      try {
        fenced(lock);
        if ((found = await loadFresh())) return found;
        // our own refreshed token, not yet stored, is newer than the one it was refreshed from
        const pending = host.pendingBase();
        const token = host.token();
        const current =
          pending && token && (stored === undefined || sameToken(stored, pending.base)) ? token : (stored ?? token);
        return await refreshUnderLease(host, lock, current);
      } finally {
        await lock.release().catch(() => undefined);
      }
    }
    // Another process is renewing: wait for its token to land in the store.
    await sleep(wait);
    if ((found = await loadFresh())) return found;
    if (host.now() > deadline) {
      throw new SmartAuthError("Another process held the refresh lock and no fresh token appeared in time", {
        code: SmartAuthErrorCode.RefreshLockTimeout,
        retryable: true,
      });
    }
  }
}

/**
 * Renew holding the lease: the lease is extended every leaseMs / 3 while the token request runs, and the
 * result is written through the lease (fenced), so it lands only if this process still holds it.
 */
async function refreshUnderLease(
  host: FleetHost,
  lock: TokenLock,
  current: StoredToken | undefined,
): Promise<StoredToken> {
  const result = await whileHeld(host, lock, () => host.obtain(current, lock));
  if ("stored" in result) return result.stored;
  const { fresh } = result;
  host.remember(fresh);
  host.markUnsaved();
  let written: boolean;
  try {
    written = await host.call("set", () => lock.set(fresh));
  } catch (error) {
    if (host.bypassable(error)) {
      host.report(error);
      host.saveLater(fresh, 500);
      host.markSaved();
      return fresh;
    }
    // kept in memory (it may hold the only copy of a rotated refresh token); stored on the next call
    host.keepPending(current);
    throw error;
  }
  if (written) {
    host.markSaved();
    return fresh;
  }
  return afterLostLease(host, lock, fresh, current);
}

// The lease was lost before the write (a stall longer than the lease): never overwrite blindly.
async function afterLostLease(
  host: FleetHost,
  lock: TokenLock,
  fresh: StoredToken,
  current: StoredToken | undefined,
): Promise<StoredToken> {
  host.report(
    new SmartAuthError(
      "The refresh lease was lost before the refreshed token was stored: it is stored only if no newer token is there",
      {
        code: SmartAuthErrorCode.RefreshLeaseLost,
        retryable: true,
      },
    ),
  );
  if (host.storeRequired === false) {
    // no refresh token to lose (Backend Services): a newer stored token is shared, else ours is served unstored
    host.markSaved();
    const stored = await host.store.get(host.key).catch(() => undefined);
    return stored !== undefined && !sameToken(stored, current) && host.usable(stored) ? host.remember(stored) : fresh;
  }
  await lock.release().catch(() => undefined); // it is not ours any more; a second release is harmless
  return storeUnlessSuperseded(host, fresh, current);
}

/**
 * Store `fresh` (refreshed from `base`) through a new lease, unless another process stored a newer token
 * meanwhile: then that one is used. Until stored, `fresh` stays in memory, the only copy of its refresh
 * token, and every call retries; the failure is typed (refresh_lease_lost, retryable).
 */
export async function storeUnlessSuperseded(
  host: FleetHost,
  fresh: StoredToken,
  base: StoredToken | undefined,
): Promise<StoredToken> {
  const { store, key, leaseMs } = host;
  host.markUnsaved();
  host.keepPending(base);
  const deadline = host.now() + leaseMs * 2;
  for (let wait = 25; ; wait = Math.min(wait * 2, 250)) {
    const lock = await host.call("lock", () => store.lock(key, leaseMs));
    if (lock) {
      try {
        fenced(lock);
        const stored = await host.call("get", () => store.get(key));
        if (stored !== undefined && !sameToken(stored, base) && !sameToken(stored, fresh)) {
          host.settle();
          return host.remember(stored);
        }
        if (await host.call("set", () => lock.set(fresh))) {
          host.settle();
          return fresh;
        }
      } finally {
        await lock.release().catch(() => undefined);
      }
    }
    if (host.now() > deadline) {
      throw new SmartAuthError(
        "The refreshed token could not be stored: the refresh lease stayed taken; it is kept in memory and stored on the next call",
        {
          code: SmartAuthErrorCode.RefreshLeaseLost,
          retryable: true,
        },
      );
    }
    await sleep(wait);
  }
}

/** Run `request` while extending `lock` every leaseMs / 3 (a lost lease shows in the fenced write). */
async function whileHeld<T>(host: FleetHost, lock: TokenLock, request: () => Promise<T>): Promise<T> {
  const timer = setInterval(
    () => {
      lock.extend(host.leaseMs).catch((cause: unknown) => host.report(storeError("extend lock", host.key, cause)));
    },
    Math.max(1, Math.floor(host.leaseMs / 3)),
  );
  (timer as { unref?: () => void }).unref?.();
  try {
    return await request();
  } finally {
    clearInterval(timer);
  }
}
/** TypeError unless `lock` implements fencing (token-store contract: `extend` and `set`). */
function fenced(lock: TokenLock): void {
  if (typeof lock.extend !== "function" || typeof lock.set !== "function") {
    throw new TypeError(
      "The token store's lock() must return a TokenLock with extend() and set() (fencing, see @fhir-dsl/token-store)",
    );
  }
}
