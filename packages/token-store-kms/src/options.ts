import type { KMSClient } from "@aws-sdk/client-kms";
import type { TokenStore } from "@fhir-dsl/token-store";

export interface KmsEncryptedTokenStoreOptions {
  /** Your KMS client (`new KMSClient({ region })`); its retries, credentials and endpoint apply. */
  kms: KMSClient;
  /** Key id, key ARN, alias name or alias ARN of the KMS key for NEW writes; values under it also read. */
  keyId: string;
  /**
   * Other KMS keys whose values this store still reads (keys you rotated from): key ARNs (no lookup),
   * or key ids, aliases and alias ARNs (resolved with DescribeKey; `keyId` itself with GenerateDataKey). A value wrapped by any key not named
   * here or in `keyId` is refused before any KMS call (SECURITY.md F12).
   */
  decryptKeyIds?: readonly string[];
  /** The store that keeps the encrypted values: in-memory, Redis or your own. */
  store: TokenStore;
  /** Extra KMS EncryptionContext pairs (audit trail, key policy conditions); the same on every read. */
  encryptionContext?: Record<string, string>;
  /** Reuse of one data key for new writes; `false` calls GenerateDataKey on every write. */
  dataKeyCache?: { maxAgeMs?: number; maxMessages?: number } | false;
  /** Cache of decrypted data keys for reads; `false` calls Decrypt on every read. */
  decryptedKeyCache?: { maxAgeMs?: number; maxEntries?: number } | false;
  /** Abort each KMS call after this many ms (a retryable error). Default: the client's own settings. */
  timeoutMs?: number;
  /** Clock for cache ages; defaults to `Date.now`. */
  now?: () => number;
}

/** Defaults of the two caches. */
export const DEFAULT_DATA_KEY_CACHE = { maxAgeMs: 5 * 60_000, maxMessages: 1_000 } as const;
export const DEFAULT_DECRYPTED_KEY_CACHE = { maxAgeMs: 15 * 60_000, maxEntries: 100 } as const;
/** The pair this store always adds to the KMS EncryptionContext. */
export const CONTEXT_PURPOSE = { name: "fhir-dsl:purpose", value: "token-store" } as const;

// NIST SP 800-38D §8.3: at most 2^32 random-IV encryptions per AES-GCM key.
const MAX_MESSAGES_PER_KEY = 2 ** 32;

export interface ResolvedOptions {
  kms: KMSClient;
  keyId: string;
  decryptKeyIds: readonly string[];
  store: TokenStore;
  encryptionContext: Readonly<Record<string, string>>;
  dataKeyCache: { maxAgeMs: number; maxMessages: number } | undefined;
  decryptedKeyCache: { maxAgeMs: number; maxEntries: number } | undefined;
  timeoutMs: number | undefined;
  now: () => number;
}

function positive(value: unknown, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new TypeError(`KmsEncryptedTokenStore: ${name} must be an integer from 1 to ${max}`);
  }
  return value;
}

function cacheOption(value: unknown, name: string): Record<string, unknown> | false {
  if (value === false) return false;
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null) {
    throw new TypeError(`KmsEncryptedTokenStore: pass ${name} as an object of limits, or false to disable it`);
  }
  return value as Record<string, unknown>;
}

export function validateKeyId(keyId: unknown): string {
  if (typeof keyId !== "string" || keyId.trim() === "") {
    throw new TypeError('KmsEncryptedTokenStore: pass keyId, the KMS key id, key ARN or alias (e.g. "alias/tokens")');
  }
  return keyId;
}

export function resolveOptions(options: KmsEncryptedTokenStoreOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("KmsEncryptedTokenStore: pass an options object { kms, keyId, store }");
  }
  const { kms, store } = options;
  if (typeof kms !== "object" || kms === null || typeof (kms as { send?: unknown }).send !== "function") {
    throw new TypeError("KmsEncryptedTokenStore: pass kms, a KMSClient from @aws-sdk/client-kms");
  }
  const keyId = validateKeyId(options.keyId);
  const { decryptKeyIds = [] } = options;
  if (!Array.isArray(decryptKeyIds))
    throw new TypeError("KmsEncryptedTokenStore: pass decryptKeyIds as an array of KMS key ARNs, key ids or aliases");
  decryptKeyIds.forEach(validateKeyId);
  if (
    typeof store !== "object" ||
    store === null ||
    typeof store.get !== "function" ||
    typeof store.set !== "function" ||
    typeof store.delete !== "function"
  ) {
    throw new TypeError("KmsEncryptedTokenStore: pass store, a TokenStore (e.g. new InMemoryTokenStore())");
  }
  const context = checkedContext(options.encryptionContext ?? {});
  const dataKey = cacheOption(options.dataKeyCache, "dataKeyCache");
  const decrypted = cacheOption(options.decryptedKeyCache, "decryptedKeyCache");
  if (options.now !== undefined && typeof options.now !== "function") {
    throw new TypeError("KmsEncryptedTokenStore: now must be a function returning epoch ms");
  }
  return {
    kms,
    keyId,
    decryptKeyIds: [...decryptKeyIds],
    store,
    encryptionContext: Object.freeze({ ...context, [CONTEXT_PURPOSE.name]: CONTEXT_PURPOSE.value }),
    dataKeyCache: dataKey === false ? undefined : resolvedDataKeyCache(dataKey),
    decryptedKeyCache: decrypted === false ? undefined : resolvedDecryptedKeyCache(decrypted),
    timeoutMs: options.timeoutMs === undefined ? undefined : positive(options.timeoutMs, "timeoutMs", 0),
    now: options.now ?? Date.now,
  };
}

/** The caller's encryption context: string values only, and our `purpose` member reserved. */
function checkedContext(context: unknown): Record<string, string> {
  if (typeof context !== "object" || context === null || Array.isArray(context)) {
    throw new TypeError("KmsEncryptedTokenStore: encryptionContext must be an object of string values");
  }
  for (const [name, value] of Object.entries(context)) {
    if (typeof value !== "string")
      throw new TypeError(`KmsEncryptedTokenStore: encryptionContext.${name} must be a string`);
    if (name === CONTEXT_PURPOSE.name)
      throw new TypeError(`KmsEncryptedTokenStore: encryptionContext.${name} is reserved`);
  }
  return context as Record<string, string>;
}

function resolvedDataKeyCache(dataKey: Exclude<ReturnType<typeof cacheOption>, false>) {
  return {
    maxAgeMs: positive(dataKey.maxAgeMs, "dataKeyCache.maxAgeMs", DEFAULT_DATA_KEY_CACHE.maxAgeMs),
    maxMessages: positive(
      dataKey.maxMessages,
      "dataKeyCache.maxMessages",
      DEFAULT_DATA_KEY_CACHE.maxMessages,
      MAX_MESSAGES_PER_KEY,
    ),
  };
}

function resolvedDecryptedKeyCache(decrypted: Exclude<ReturnType<typeof cacheOption>, false>) {
  return {
    maxAgeMs: positive(decrypted.maxAgeMs, "decryptedKeyCache.maxAgeMs", DEFAULT_DECRYPTED_KEY_CACHE.maxAgeMs),
    maxEntries: positive(decrypted.maxEntries, "decryptedKeyCache.maxEntries", DEFAULT_DECRYPTED_KEY_CACHE.maxEntries),
  };
}
