import { TokenStoreError } from "@fhir-dsl/token-store";
import { foreignType, isWrongType, unavailable } from "./errors.js";

/** The parts of an ioredis `Redis` or `Cluster` this store uses (both classes fit). */
export interface RedisClientLike {
  status: string;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ...args: (string | number)[]): Promise<string | null>;
  del(key: string): Promise<number>;
  eval(script: string, numKeys: number, ...args: string[]): Promise<unknown>;
  connect(): Promise<void>;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
}

const noop = (): void => {};

/**
 * Run one Redis command, bounded by `timeoutMs` end to end. While the client is not ready, the
 * command is not handed to ioredis (whose offline queue would hold it past our deadline and replay it
 * later); we wait for "ready" within the same budget instead. Failures become TokenStoreError.
 */
export function bounded<T>(
  client: RedisClientLike,
  timeoutMs: number,
  operation: string,
  key: string,
  send: () => Promise<T>,
): Promise<T> {
  // Hot path: no async wrappers, one promise and one timer per command.
  if (client.status === "ready") return withTimeout(sendSafely(send), timeoutMs, operation, key, timeoutMs);
  return afterReady(client, timeoutMs, operation, key, send);
}

async function afterReady<T>(
  client: RedisClientLike,
  timeoutMs: number,
  operation: string,
  key: string,
  send: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  await waitReady(client, timeoutMs, operation, key);
  const left = timeoutMs - (Date.now() - started);
  if (left <= 0) throw unavailable(operation, key, `no Redis connection within ${timeoutMs} ms`);
  return withTimeout(sendSafely(send), left, operation, key, timeoutMs);
}

function sendSafely<T>(send: () => Promise<T>): Promise<T> {
  try {
    return send();
  } catch (error) {
    return Promise.reject(error);
  }
}

function toStoreError(error: unknown, operation: string, key: string): TokenStoreError {
  if (TokenStoreError.is(error)) return error;
  if (isWrongType(error)) return foreignType(key, error);
  return unavailable(operation, key, "Redis error", error);
}

// One "ready" listener per client, shared by every waiting call (no listener pile-up during an outage).
const readySignals = new WeakMap<RedisClientLike, Promise<void>>();

function readySignal(client: RedisClientLike): Promise<void> {
  let signal = readySignals.get(client);
  if (signal === undefined) {
    signal = new Promise<void>((resolve) => {
      client.once("ready", () => {
        readySignals.delete(client);
        resolve();
      });
    });
    readySignals.set(client, signal);
  }
  return signal;
}

function waitReady(client: RedisClientLike, timeoutMs: number, operation: string, key: string): Promise<void> {
  if (client.status === "end") {
    return Promise.reject(unavailable(operation, key, "the Redis client is closed (quit or disconnect was called)"));
  }
  if (client.status === "wait") client.connect().catch(noop); // lazyConnect: a command would have connected too
  return withTimeout(readySignal(client), timeoutMs, operation, key, timeoutMs, "no Redis connection");
}

function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  operation: string,
  key: string,
  budget: number,
  what = "no Redis reply",
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(unavailable(operation, key, `${what} within ${budget} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(toStoreError(error, operation, key));
      },
    );
  });
}
