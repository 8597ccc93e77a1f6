import { invalidValueError, storedTokenProblem } from "./stored-token-check.js";
import type { StoredToken, TokenLock, TokenStore } from "./types.js";

export interface InMemoryTokenStoreOptions {
  /** Clock for lease expiry; defaults to `Date.now`. */
  now?: () => number;
}

/**
 * A process-local TokenStore: the default of the core. Values are copied in and out, so a caller
 * that mutates what it read cannot change what is stored. Its lease serialises refreshes inside one
 * process only; use a shared store (e.g. Redis) for a fleet. `set` refuses what is not a StoredToken
 * (`store_invalid_value`, see `storedTokenProblem`), as every adapter does.
 */
export class InMemoryTokenStore implements TokenStore {
  readonly #values = new Map<string, StoredToken>();
  readonly #leases = new Map<string, { owner: symbol; until: number }>();
  readonly #now: () => number;

  constructor(options: InMemoryTokenStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  async get(key: string): Promise<StoredToken | undefined> {
    const value = this.#values.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }

  async set(key: string, value: StoredToken): Promise<void> {
    this.#values.set(key, copyIn(key, value));
  }

  async delete(key: string): Promise<void> {
    this.#values.delete(key);
  }

  async lock(key: string, leaseMs: number): Promise<TokenLock | undefined> {
    const now = this.#now();
    const current = this.#leases.get(key);
    if (current !== undefined && current.until > now) return undefined;
    const owner = Symbol(key);
    this.#leases.set(key, { owner, until: now + leaseMs });
    // held only while the entry is ours and not lapsed, as Redis would see it (the key expired)
    const held = () => {
      const lease = this.#leases.get(key);
      return lease !== undefined && lease.owner === owner && lease.until > this.#now() ? lease : undefined;
    };
    return {
      release: async () => {
        if (this.#leases.get(key)?.owner === owner) this.#leases.delete(key);
      },
      extend: async (ms: number) => {
        const lease = held();
        if (lease) lease.until = this.#now() + ms;
        return lease !== undefined;
      },
      set: async (value: StoredToken) => {
        const copy = copyIn(key, value);
        if (!held()) return false;
        this.#values.set(key, copy);
        return true;
      },
    };
  }

  /** Number of stored values (for tests and diagnostics). */
  get size(): number {
    return this.#values.size;
  }
}

/** The checked copy `set` keeps: the same rule as every adapter, and a value structuredClone refuses (a function) is invalid too. */
function copyIn(key: string, value: StoredToken): StoredToken {
  const reason = storedTokenProblem(value);
  if (reason !== undefined) throw invalidValueError(key, reason);
  try {
    return structuredClone(value);
  } catch {
    // no `cause`: DataCloneError names the member's value
    throw invalidValueError(key, "the token cannot be copied");
  }
}
