// TOKEN_STORE for `pnpm dev`, as in examples/backend-services: memory (default), redis (REDIS_URL), or kms (KMS
// envelope encryption over Redis when REDIS_URL is set, else over memory).
import { KMSClient } from "@aws-sdk/client-kms";
import { InMemoryTokenStore, type TokenStore } from "@fhir-dsl/smart";
import { KmsEncryptedTokenStore } from "@fhir-dsl/token-store-kms";
import { RedisTokenStore } from "@fhir-dsl/token-store-redis";
import { Redis } from "ioredis";
import { quietAwsSdkNodeNotice } from "./aws-sdk-notice.js";

export interface OpenStore {
  store: TokenStore;
  /** What to print: kind and where, never credentials. */
  label: string;
  close(): Promise<void>;
}

/** Each mode has its own prefix: a `redis` run's plaintext token is never read by a `kms` run (which expects an envelope). */
export const redisKeyPrefix = (mode: "redis" | "kms") => `example:app:${mode}:`;

/** A misconfiguration the user fixes by setting an environment variable; the message says which. */
export class StoreConfigError extends Error {}

/**
 * The store TOKEN_STORE names. For kms: KMS_KEY_ID (id, ARN or alias/...), credentials and region from the usual AWS
 * settings, KMS_ENDPOINT for another endpoint; with neither KMS_KEY_ID nor KMS_ENDPOINT and `localKmsAllowed`
 * (the embedded sandbox), the repository's local KMS endpoint runs in-process with a key of its own.
 */
export async function openTokenStore(env: NodeJS.ProcessEnv, localKmsAllowed: boolean): Promise<OpenStore> {
  const kind = env.TOKEN_STORE || "memory";
  if (kind !== "memory" && kind !== "redis" && kind !== "kms")
    throw new StoreConfigError(`TOKEN_STORE must be memory, redis or kms, got "${kind}"`);
  if (kind === "redis" && !env.REDIS_URL)
    throw new StoreConfigError("TOKEN_STORE=redis needs REDIS_URL (e.g. redis://127.0.0.1:6379)");
  const redis = kind !== "memory" && env.REDIS_URL ? await connectRedis(env.REDIS_URL) : undefined;
  const inner: OpenStore = redis
    ? {
        store: new RedisTokenStore(redis, { keyPrefix: redisKeyPrefix(kind === "kms" ? "kms" : "redis") }),
        label: `redis ${printable(env.REDIS_URL!)}`,
        close: async () => void (await redis.quit()),
      }
    : { store: new InMemoryTokenStore(), label: "memory", close: async () => {} };
  if (kind !== "kms") return inner;

  quietAwsSdkNodeNotice();
  let keyId = env.KMS_KEY_ID;
  let kms: KMSClient;
  let where: string;
  let stopLocal = async () => {};
  if (keyId || env.KMS_ENDPOINT) {
    if (!keyId)
      throw new StoreConfigError("TOKEN_STORE=kms with KMS_ENDPOINT needs KMS_KEY_ID (a key id, ARN or alias/...)");
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
    kms = new KMSClient({ region, ...(env.KMS_ENDPOINT ? { endpoint: env.KMS_ENDPOINT } : {}) });
    where = env.KMS_ENDPOINT ? `at ${printable(env.KMS_ENDPOINT)}` : `(${region})`;
  } else {
    if (!localKmsAllowed)
      throw new StoreConfigError(
        "TOKEN_STORE=kms with FHIR_BASE_URL needs KMS_KEY_ID (and AWS credentials, or KMS_ENDPOINT)",
      );
    // the repository's test fixture: the KMS JSON protocol on 127.0.0.1, with one symmetric key
    const { LocalKms } = await import("@fhir-dsl/test-kms");
    const local = await new LocalKms().start();
    keyId = "alias/app-launch-tokens";
    local.createKey({ alias: keyId });
    kms = new KMSClient(local.clientConfig());
    where = `at ${local.endpoint} (local, in-process)`;
    stopLocal = () => local.close();
  }
  return {
    store: new KmsEncryptedTokenStore({ kms, keyId, store: inner.store }),
    label: `kms ${keyId} ${where} over ${inner.label}`,
    close: async () => {
      kms.destroy();
      await stopLocal();
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
    throw new StoreConfigError(`cannot connect to Redis at ${printable(url)} (check REDIS_URL)`);
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
