import { TokenStoreError, TokenStoreErrorCode } from "@fhir-dsl/token-store";

/** Where a browser store keeps its entries, and under which key prefix. */
export interface WebStorageOptions {
  /** The app's client_id: the default prefix is `smart:<clientId>:`, so two apps on one origin never share keys. */
  clientId?: string;
  /** Key prefix (default `smart:<clientId>:`); every key this store writes starts with it. */
  prefix?: string;
  /**
   * Any Web Storage (default `sessionStorage`: one tab, gone when the tab closes, as the SMART app-protection
   * advice suggests, hl7.org/fhir/smart-app-launch/app-launch.html#support-for-public-and-confidential-apps).
   */
  storage?: Storage;
}

/** The storage and prefix of `options`, or a TypeError saying what to pass. */
export function resolveWebStorage(
  who: string,
  options: WebStorageOptions | undefined,
): { storage: Storage; prefix: string } {
  if (typeof options !== "object" || options === null)
    throw new TypeError(`${who} takes { clientId } or { prefix }, and optionally { storage }`);
  const { clientId, prefix } = options;
  if (prefix !== undefined && (typeof prefix !== "string" || prefix.length === 0))
    throw new TypeError(`${who} needs prefix as a non-empty string`);
  if (prefix === undefined && (typeof clientId !== "string" || clientId.length === 0))
    throw new TypeError(`${who} needs clientId (or prefix) as a non-empty string`);
  let storage = options.storage;
  if (storage === undefined) {
    try {
      storage = globalThis.sessionStorage;
    } catch {
      storage = undefined; // a sandboxed iframe or blocked storage throws SecurityError on access
    }
  }
  if (
    typeof storage?.getItem !== "function" ||
    typeof storage.setItem !== "function" ||
    typeof storage.removeItem !== "function"
  ) {
    throw new TypeError(`${who} found no sessionStorage here: pass options.storage (any Web Storage)`);
  }
  return { storage, prefix: prefix ?? defaultPrefix(clientId as string) };
}

export const defaultPrefix = (clientId: string): string => `smart:${clientId}:`;

const isQuota = (error: unknown): boolean =>
  typeof error === "object" &&
  error !== null &&
  ((error as { name?: unknown }).name === "QuotaExceededError" || (error as { code?: unknown }).code === 22);

/** Run one storage call; its failure becomes a TokenStoreError naming the key (never the value). */
export function storageCall<T>(key: string, action: string, call: () => T): T {
  try {
    return call();
  } catch (cause) {
    const quota = isQuota(cause);
    throw new TokenStoreError(
      quota
        ? `Web Storage is full: could not ${action} "${key}" (QuotaExceededError)`
        : `Web Storage refused to ${action} "${key}"`,
      { code: TokenStoreErrorCode.Unavailable, key, retryable: false, cause },
    );
  }
}

/** Every key of `storage` that starts with `prefix` (collected first: removing while iterating shifts indexes). */
export function keysUnder(storage: Storage, prefix: string): string[] {
  const keys: string[] = [];
  const length = storageCall(prefix, "list keys under", () => storage.length);
  for (let i = 0; i < length; i++) {
    const key = storage.key(i);
    if (key?.startsWith(prefix)) keys.push(key);
  }
  return keys;
}

/** Parsed JSON of an object value, or undefined for anything else (never throws: the text is outside input). */
export function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export const corrupt = (key: string, reason: string): TokenStoreError =>
  // no `cause`: a JSON.parse error quotes the input, and the input may hold a token
  new TokenStoreError(`Value under Web Storage key "${key}" is not one this store wrote: ${reason}; it was removed`, {
    code: TokenStoreErrorCode.CorruptValue,
    key,
  });
