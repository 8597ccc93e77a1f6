import { TokenStoreError, TokenStoreErrorCode, type TokenLock } from "@fhir-dsl/token-store";
import { bounded, type RedisClientLike } from "./bounded.js";

/**
 * Durable writes: after each write, `WAIT replicas timeoutMs` (https://redis.io/docs/latest/commands/wait/)
 * on the connection that wrote, so a write is reported done only once `replicas` replicas have it and a
 * failover cannot lose it (SECURITY.md F20).
 */
export interface DurabilityOptions {
  /** How many replicas must acknowledge each write (>= 1; 0 turns the option off). */
  replicas: number;
  /** How long to wait for them, in ms (default 1000). Past it, the call fails with a retryable TokenStoreError. */
  timeoutMs?: number;
}

export interface Durability {
  replicas: number;
  timeoutMs: number;
  /** Bound of the whole WAIT round trip: `timeoutMs` plus the store's `commandTimeoutMs`. */
  boundMs: number;
}

export const DEFAULT_DURABILITY_TIMEOUT_MS = 1_000;

interface PipelineLike {
  wait(replicas: number, timeoutMs: number): PipelineLike;
  exists(key: string): PipelineLike;
  exec(): Promise<[Error | null, unknown][] | null>;
}
type Pipelined = RedisClientLike & { pipeline?: () => PipelineLike };

/** Validate `options.durability` (TypeError on misuse); undefined when it is off. */
export function resolveDurability(value: unknown, client: unknown, commandTimeoutMs: number): Durability | undefined {
  if (value === undefined) return undefined;
  const o = value as Record<string, unknown>;
  const replicas = typeof value === "object" && value !== null ? o.replicas : undefined;
  const timeoutMs = typeof value === "object" && value !== null ? (o.timeoutMs ?? DEFAULT_DURABILITY_TIMEOUT_MS) : undefined;
  // WAIT with a timeout of 0 blocks forever: refuse it rather than hang a token save
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0 || typeof timeoutMs !== "number" || !Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new TypeError("RedisTokenStore: options.durability must be { replicas: <integer >= 0>, timeoutMs?: <integer ms >= 1> }, e.g. { replicas: 1, timeoutMs: 1000 }");
  }
  if (typeof (client as Pipelined).pipeline !== "function") {
    throw new TypeError("RedisTokenStore: options.durability needs an ioredis client with pipeline() (Redis or Cluster)");
  }
  return replicas === 0 ? undefined : { replicas, timeoutMs, boundMs: timeoutMs + commandTimeoutMs };
}

/**
 * Call after every write of `redisKey` (SET, a Lua script that writes, DEL), on the client that wrote it:
 * resolves once `durability.replicas` replicas have it, else throws a retryable TokenStoreError (the write
 * is on the primary, but a failover now could lose it). No-op when durability is off.
 * WAIT has no key: it is pipelined with `EXISTS redisKey` so that a Cluster client sends it to the node
 * owning the key's slot, on the connection that wrote (https://redis.io/docs/latest/commands/wait/).
 */
export async function afterWrite(
  client: RedisClientLike,
  durability: Durability | undefined,
  operation: string,
  key: string,
  redisKey: string,
): Promise<void> {
  if (durability === undefined) return;
  const { replicas, timeoutMs, boundMs } = durability;
  const replies = await bounded(client, boundMs, operation, key, () =>
    (client as Pipelined).pipeline!().wait(replicas, timeoutMs).exists(redisKey).exec(),
  );
  const [waitError, acked] = replies?.[0] ?? [new Error("no WAIT reply"), 0];
  if (waitError) throw unacknowledged(operation, key, `WAIT failed (${waitError.message})`);
  if (typeof acked !== "number" || acked < replicas) {
    throw unacknowledged(operation, key, `${Number(acked) || 0} of ${replicas} replica(s) acknowledged within ${timeoutMs} ms`);
  }
}

/**
 * A lease taken while replication lags is not taken: after a failover the new primary would not know it,
 * and another process could refresh with the refresh token this holder is about to rotate. So under
 * durability the lease must reach the replicas too; if it does not, it is released and the call fails.
 */
export async function afterLease(
  client: RedisClientLike,
  durability: Durability | undefined,
  key: string,
  redisKey: string,
  lease: TokenLock | undefined,
): Promise<TokenLock | undefined> {
  if (lease === undefined || durability === undefined) return lease;
  try {
    await afterWrite(client, durability, "lock", key, redisKey);
  } catch (error) {
    await lease.release().catch(() => undefined);
    throw error;
  }
  return lease;
}

function unacknowledged(operation: string, key: string, reason: string): TokenStoreError {
  return new TokenStoreError(
    `Redis token store ${operation} of key "${key}" is on the primary but not durable: ${reason}; a failover now could lose it`,
    { code: TokenStoreErrorCode.Unavailable, key, retryable: true },
  );
}
