import type { Cluster, Redis } from "ioredis";
import type { RedisClientLike } from "./bounded.js";

interface Duplicable {
  isCluster?: boolean;
  options?: { autoResendUnfulfilledCommands?: boolean; redisOptions?: Record<string, unknown> };
  duplicate?: (
    ...args: unknown[]
  ) => RedisClientLike & { on(event: string, fn: () => void): unknown; disconnect(): void };
}

const noop = (): void => {};

// One duplicate per user client, shared by every store built on it: no connection or listener per store.
const duplicates = new WeakMap<object, RedisClientLike>();

/**
 * The connection the store sends its commands on. ioredis resends, after a reconnect, every command
 * that was in flight when the connection dropped (`autoResendUnfulfilledCommands`, on by default): a SET
 * this store already reported as failed would land later and overwrite a newer token another process
 * stored, e.g. a rotated refresh token (SECURITY.md, F2). Unless the user's client has that off, the
 * store uses its own duplicate with it off (one per client, shared by the stores built on it), connected on
 * first use and closed when the user's client ends.
 */
export function connectionWithoutResend(client: Redis | Cluster): RedisClientLike {
  const c = client as unknown as Duplicable & RedisClientLike;
  const resendOff = c.isCluster
    ? c.options?.redisOptions?.autoResendUnfulfilledCommands === false
    : c.options?.autoResendUnfulfilledCommands === false;
  if (resendOff || typeof c.duplicate !== "function") return c;
  const existing = duplicates.get(c);
  if (existing) return existing;
  const own = c.isCluster
    ? c.duplicate([], {
        lazyConnect: true,
        redisOptions: { ...c.options?.redisOptions, autoResendUnfulfilledCommands: false },
      })
    : c.duplicate({ lazyConnect: true, autoResendUnfulfilledCommands: false });
  own.on("error", noop); // failures surface as TokenStoreError from each command
  c.once("end", () => {
    duplicates.delete(c);
    own.disconnect();
  });
  duplicates.set(c, own);
  return own;
}
