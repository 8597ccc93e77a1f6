import { Redis, type RedisOptions } from "ioredis";
import { inject } from "vitest";

/** A client of the shared test Redis; errors are expected during outage tests, so they are observed, not printed. */
export function sharedClient(options: RedisOptions = {}): Redis {
  const client = new Redis(inject("redisUrl"), { lazyConnect: false, ...options });
  client.on("error", () => {});
  return client;
}

export function randomPrefix(label: string): string {
  return `test:${label}:${Math.random().toString(36).slice(2, 10)}:`;
}
