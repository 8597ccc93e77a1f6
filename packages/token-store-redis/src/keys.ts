/**
 * Redis keys of a TokenStore key. The user key sits inside a hash tag so the value and its lock land
 * in one Cluster slot (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags),
 * and a value key (ending in `}`) can never equal a lock key (ending in `}:lock`) whatever the user key holds.
 */
export function valueKey(prefix: string, key: string): string {
  return `${prefix}{${key}}`;
}

export function lockKey(prefix: string, key: string): string {
  return `${prefix}{${key}}:lock`;
}

/**
 * TypeError unless `key` is a non-empty string not starting with `}`: either would make the hash tag
 * empty, and Redis Cluster would then hash the value and its lock to different slots.
 */
export function checkKey(key: unknown, method: string): asserts key is string {
  if (typeof key !== "string" || key.length === 0 || key.charCodeAt(0) === 0x7d) {
    throw new TypeError(
      `RedisTokenStore.${method}: key must be a non-empty string not starting with "}", e.g. "backend:my-client"`,
    );
  }
}
