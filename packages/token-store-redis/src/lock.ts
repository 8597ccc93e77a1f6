import type { TokenLock } from "@fhir-dsl/token-store";
import { bounded, type RedisClientLike } from "./bounded.js";
import { isUnacknowledged, writeCommand, type Durability } from "./durability.js";

/** Compare-and-delete: only the holder of the lease token may free it (https://redis.io/docs/latest/develop/use/patterns/distributed-locks/). */
export const RELEASE_SCRIPT =
  'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end';

/** 128 random bits naming this holder of the lease. */
export function leaseToken(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** TypeError unless `leaseMs` is a positive finite number. */
export function checkLeaseMs(leaseMs: unknown): asserts leaseMs is number {
  if (typeof leaseMs !== "number" || !Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw new TypeError("RedisTokenStore.lock: leaseMs must be a positive number of milliseconds, e.g. 10000");
  }
}

/**
 * Take the lease with `SET lockKey token NX PX leaseMs`; no waiting here, the caller waits and re-reads.
 * Resolves to undefined when another holder has it.
 */
export async function acquireLease(
  client: RedisClientLike,
  timeoutMs: number,
  key: string,
  redisKey: string,
  leaseMs: number,
  durability?: Durability,
): Promise<TokenLock | undefined> {
  const token = leaseToken();
  const ms = Math.ceil(leaseMs);
  const reply = await writeCommand(
    client, timeoutMs, durability, "lock", key, ["set", redisKey, token, "PX", ms, "NX"],
    () => client.set(redisKey, token, "PX", ms, "NX"),
    (taken) => taken === "OK",
  ).catch(async (error: unknown) => {
    // a lease its replicas do not have is not held: a failover would hand it to another process (F20)
    if (isUnacknowledged(error)) await client.eval(RELEASE_SCRIPT, 1, redisKey, token).catch(() => undefined);
    throw error;
  });
  if (reply !== "OK") return undefined;
  let released = false;
  return {
    async release(): Promise<void> {
      if (released) return;
      await bounded(client, timeoutMs, "unlock", key, () => client.eval(RELEASE_SCRIPT, 1, redisKey, token));
      released = true;
    },
  };
}
