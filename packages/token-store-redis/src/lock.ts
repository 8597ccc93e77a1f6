import type { StoredToken, TokenLock } from "@fhir-dsl/token-store";
import { bounded, type RedisClientLike } from "./bounded.js";
import { isUnacknowledged, writeCommand, type Durability } from "./durability.js";

/** Compare-and-delete: only the holder of the lease token may free it (https://redis.io/docs/latest/develop/use/patterns/distributed-locks/). */
export const RELEASE_SCRIPT =
  'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end';

/** Extend only our own lease: compare the lock value, then PEXPIRE, in one step. */
export const EXTEND_SCRIPT =
  'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end';

/**
 * The fenced write: the value lands (with its TTL) only while the lock key holds our lease token, checked
 * and written in one script. KEYS[1] = lock key, KEYS[2] = value key: one hash tag, hence one Cluster slot.
 */
export const FENCED_SET_SCRIPT =
  'if redis.call("get", KEYS[1]) == ARGV[1] then redis.call("set", KEYS[2], ARGV[2], "PX", ARGV[3]) return 1 else return 0 end';

/** How the lock writes a value: its Redis key, text and TTL, computed as `RedisTokenStore.set` does. */
export type EncodeValue = (value: StoredToken) => { redisKey: string; text: string; ttlMs: number };

/** 128 random bits naming this holder of the lease. */
export function leaseToken(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** TypeError unless `leaseMs` is a positive finite number. */
export function checkLeaseMs(leaseMs: unknown, method = "lock"): asserts leaseMs is number {
  if (typeof leaseMs !== "number" || !Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw new TypeError(`RedisTokenStore.${method}: leaseMs must be a positive number of milliseconds, e.g. 10000`);
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
  encode: EncodeValue,
  durability?: Durability,
): Promise<TokenLock | undefined> {
  const token = leaseToken();
  const ms = Math.ceil(leaseMs);
  const reply = await writeCommand(
    client,
    timeoutMs,
    durability,
    "lock",
    key,
    ["set", redisKey, token, "PX", ms, "NX"],
    () => client.set(redisKey, token, "PX", ms, "NX"),
    (taken) => taken === "OK",
  ).catch(async (error: unknown) => {
    // a lease its replicas do not have is not held: a failover would hand it to another process (F20)
    if (isUnacknowledged(error)) await client.eval(RELEASE_SCRIPT, 1, redisKey, token).catch(() => undefined);
    throw error;
  });
  if (reply !== "OK") return undefined;
  return heldLease({ client, timeoutMs, key, redisKey, token, encode, durability });
}

interface HeldLease {
  client: RedisClientLike;
  timeoutMs: number;
  key: string;
  redisKey: string;
  /** This holder's random lock value: every script compares it, so only the holder acts (fencing). */
  token: string;
  encode: EncodeValue;
  durability: Durability | undefined;
}

/** The TokenLock of a lease this process holds: release, extend and the fenced set, each one Lua script. */
function heldLease({ client, timeoutMs, key, redisKey, token, encode, durability }: HeldLease): TokenLock {
  let released = false;
  return {
    async release(): Promise<void> {
      if (released) return;
      await bounded(client, timeoutMs, "unlock", key, () => client.eval(RELEASE_SCRIPT, 1, redisKey, token));
      released = true;
    },
    async extend(ms: number): Promise<boolean> {
      checkLeaseMs(ms, "extend");
      if (released) return false;
      const args = [EXTEND_SCRIPT, 1, redisKey, token, String(Math.ceil(ms))] as const;
      // with durability, the script and its WAIT go down one connection together (never WAIT alone: F20)
      const reply = await writeCommand(
        client,
        timeoutMs,
        durability,
        "extend lock",
        key,
        ["eval", ...args],
        () => client.eval(...args),
        (n) => n === 1,
      );
      return reply === 1;
    },
    async set(value: StoredToken): Promise<boolean> {
      if (released) return false;
      const { redisKey: valueKey, text, ttlMs } = encode(value);
      const args = [FENCED_SET_SCRIPT, 2, redisKey, valueKey, token, text, String(ttlMs)] as const;
      const reply = await writeCommand(
        client,
        timeoutMs,
        durability,
        "fenced set",
        key,
        ["eval", ...args],
        () => client.eval(...args),
        (landed) => landed === 1,
      );
      return reply === 1;
    },
  };
}
