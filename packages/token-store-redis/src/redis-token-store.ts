import {
  decodeTokenEnvelope,
  encodeTokenEnvelope,
  type StoredToken,
  type TokenLock,
  type TokenStore,
} from "@fhir-dsl/token-store";
import type { Cluster, Redis } from "ioredis";
import { bounded, type RedisClientLike } from "./bounded.js";
import { resolveDurability, writeCommand, type Durability } from "./durability.js";
import { connectionWithoutResend } from "./connection.js";
import { checkKey, lockKey, valueKey } from "./keys.js";
import { acquireLease, checkLeaseMs } from "./lock.js";
import { resolveOptions, type RedisTokenStoreOptions, type ResolvedOptions } from "./options.js";
import { ttlMs } from "./ttl.js";

function isClient(value: unknown): value is RedisClientLike {
  if (typeof value !== "object" || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.status === "string" &&
    ["get", "set", "del", "eval", "connect", "once"].every((method) => typeof c[method] === "function")
  );
}

/**
 * A TokenStore on Redis, shared by every process that uses the same client configuration and prefix.
 * Values are versioned JSON with a TTL that keeps refreshable tokens; `lock()` is a lease
 * (`SET NX PX` + compare-and-delete) so a fleet refreshes a grant once, with fencing: `extend()` and the
 * lock's `set()` are Lua scripts that act only while the lock key still holds this holder's lease token. Every call is bounded by
 * `commandTimeoutMs` and fails with a retryable TokenStoreError while Redis is down. A write reported as
 * failed is never replayed later by ioredis (see connection.ts).
 */
export class RedisTokenStore implements TokenStore {
  readonly keyPrefix: string;
  readonly #client: RedisClientLike;
  readonly #options: ResolvedOptions;
  readonly #durability: Durability | undefined;

  constructor(client: Redis | Cluster, options?: RedisTokenStoreOptions) {
    if (!isClient(client)) {
      throw new TypeError(
        "RedisTokenStore: pass an ioredis client, e.g. new RedisTokenStore(new Redis(url)) or a Cluster",
      );
    }
    this.#options = resolveOptions(options);
    this.#durability = resolveDurability(options?.durability, client, this.#options.commandTimeoutMs);
    this.#client = connectionWithoutResend(client);
    this.keyPrefix = this.#options.keyPrefix;
  }

  /** The Redis key that holds the value of TokenStore key `key` (for tests and operations). */
  rawKey(key: string): string {
    checkKey(key, "rawKey");
    return valueKey(this.keyPrefix, key);
  }

  /** The Redis key of the lease on `key`; it shares the value's hash tag, hence its Cluster slot. */
  lockKey(key: string): string {
    checkKey(key, "lockKey");
    return lockKey(this.keyPrefix, key);
  }

  async get(key: string): Promise<StoredToken | undefined> {
    checkKey(key, "get");
    const redisKey = valueKey(this.keyPrefix, key);
    const text = await bounded(this.#client, this.#options.commandTimeoutMs, "get", key, () =>
      this.#client.get(redisKey),
    );
    return text === null ? undefined : decodeTokenEnvelope(key, text);
  }

  async set(key: string, value: StoredToken): Promise<void> {
    checkKey(key, "set");
    const { redisKey, text, ttlMs: ttl } = this.#encode(key, value);
    await writeCommand(
      this.#client,
      this.#options.commandTimeoutMs,
      this.#durability,
      "set",
      key,
      ["set", redisKey, text, "PX", ttl],
      () => this.#client.set(redisKey, text, "PX", ttl),
    );
  }

  // What set() and the lock's fenced write store: the same text and TTL.
  #encode(key: string, value: StoredToken): { redisKey: string; text: string; ttlMs: number } {
    const text = encodeTokenEnvelope(key, value);
    return { redisKey: valueKey(this.keyPrefix, key), text, ttlMs: ttlMs(value, Date.now(), this.#options) };
  }

  async delete(key: string): Promise<void> {
    checkKey(key, "delete");
    const redisKey = valueKey(this.keyPrefix, key);
    await writeCommand(
      this.#client,
      this.#options.commandTimeoutMs,
      this.#durability,
      "delete",
      key,
      ["del", redisKey],
      () => this.#client.del(redisKey),
      (deleted) => deleted > 0,
    );
  }

  async lock(key: string, leaseMs: number): Promise<TokenLock | undefined> {
    checkKey(key, "lock");
    checkLeaseMs(leaseMs);
    return acquireLease(
      this.#client,
      this.#options.commandTimeoutMs,
      key,
      lockKey(this.keyPrefix, key),
      leaseMs,
      (value) => this.#encode(key, value),
      this.#durability,
    );
  }
}
