import type { DurabilityOptions } from "./durability.js";

/** Options of RedisTokenStore; every field has a documented default. */
export interface RedisTokenStoreOptions {
  /** Prepended to every Redis key (default `"smart:token:"`). Do not put `{` or `}` in it: keys carry a Cluster hash tag. */
  keyPrefix?: string;
  /** How long a token that has a `refresh_token` is kept, in seconds (default 30 days). */
  refreshTokenTtlSeconds?: number;
  /** How long a token without a `refresh_token` is kept past its `expires_at`, in seconds (default 60). */
  graceSeconds?: number;
  /** Upper bound of every Redis call, waiting for a connection included, in ms (default 2000). */
  commandTimeoutMs?: number;
  /** Wait for replicas after each write (Redis `WAIT`), so a failover cannot lose it (default off; README "Operating"). */
  durability?: DurabilityOptions;
}

export interface ResolvedOptions {
  keyPrefix: string;
  refreshTokenTtlMs: number;
  graceMs: number;
  commandTimeoutMs: number;
}

export const DEFAULT_KEY_PREFIX = "smart:token:";
export const DEFAULT_REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;
export const DEFAULT_GRACE_SECONDS = 60;
export const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;

function number(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new TypeError(
      `RedisTokenStore: options.${name} must be a finite number >= ${min}, or omitted for the default ${fallback}`,
    );
  }
  return value;
}

/** Validate the options (TypeError on misuse) and fill in defaults. */
export function resolveOptions(options: RedisTokenStoreOptions | undefined): ResolvedOptions {
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null) {
    throw new TypeError('RedisTokenStore: options must be an object such as { keyPrefix: "smart:token:" }, or omitted');
  }
  const o = options as Record<string, unknown>;
  const keyPrefix = o.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (typeof keyPrefix !== "string" || /[{}]/.test(keyPrefix)) {
    throw new TypeError('RedisTokenStore: options.keyPrefix must be a string without `{` or `}` (e.g. "myapp:token:")');
  }
  const refreshTtlSeconds = number(
    "refreshTokenTtlSeconds",
    o.refreshTokenTtlSeconds,
    DEFAULT_REFRESH_TOKEN_TTL_SECONDS,
    1,
  );
  return {
    keyPrefix,
    refreshTokenTtlMs: Math.ceil(refreshTtlSeconds * 1000),
    graceMs: Math.ceil(number("graceSeconds", o.graceSeconds, DEFAULT_GRACE_SECONDS, 0) * 1000),
    commandTimeoutMs: number("commandTimeoutMs", o.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS, 1),
  };
}
