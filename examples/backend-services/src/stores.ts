import { KMSClient } from "@aws-sdk/client-kms";
import { InMemoryTokenStore, type TokenStore } from "@fhir-dsl/smart";
import { KmsEncryptedTokenStore } from "@fhir-dsl/token-store-kms";
import { RedisTokenStore } from "@fhir-dsl/token-store-redis";
import { Redis } from "ioredis";
import { UsageError, type Config } from "./config.js";

export interface OpenStore {
  store: TokenStore;
  /** What to print: kind and where, never credentials. */
  label: string;
  close(): Promise<void>;
}

export const REDIS_KEY_PREFIX = "example:backend:";
/**
 * Each TOKEN_STORE mode has its own prefix under REDIS_KEY_PREFIX: a plaintext token stored by a `redis`
 * run is never read by a `kms` run (which expects an envelope), so switching modes on one Redis works.
 */
export const redisKeyPrefix = (mode: "redis" | "kms") => `${REDIS_KEY_PREFIX}${mode}:`;

/** The TokenStore chosen by TOKEN_STORE: memory, Redis, or KMS envelope encryption over Redis (or memory). */
export async function openTokenStore(config: Config): Promise<OpenStore> {
  const redis = config.tokenStore !== "memory" && config.redisUrl ? await connectRedis(config.redisUrl) : undefined;
  const inner: OpenStore = redis
    ? {
        store: new RedisTokenStore(redis, { keyPrefix: redisKeyPrefix(config.tokenStore === "kms" ? "kms" : "redis") }),
        label: `redis ${printable(config.redisUrl!)}`,
        close: async () => void (await redis.quit()),
      }
    : { store: new InMemoryTokenStore(), label: "memory", close: async () => {} };
  if (config.tokenStore !== "kms" || !config.kms) return inner;

  const { keyId, region, endpoint } = config.kms;
  // Credentials come from the usual AWS settings (env, profile, instance role).
  const kms = new KMSClient({ region, ...(endpoint ? { endpoint } : {}) });
  return {
    store: new KmsEncryptedTokenStore({ kms, keyId, store: inner.store }),
    label: `kms ${keyId}${endpoint ? ` at ${printable(endpoint)}` : ` (${region})`} over ${inner.label}`,
    close: async () => {
      kms.destroy();
      await inner.close();
    },
  };
}

async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on("error", () => {}); // a failed connect is reported once, below
  try {
    await redis.connect();
    return redis;
  } catch {
    redis.disconnect();
    throw new UsageError(`cannot connect to Redis at ${printable(url)} (check REDIS_URL)`);
  }
}

/** A URL without its user and password. */
function printable(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.href.replace(/\/$/, "");
  } catch {
    return "(invalid URL)";
  }
}
