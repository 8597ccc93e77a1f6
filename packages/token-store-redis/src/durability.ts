import { TokenStoreError, TokenStoreErrorCode } from "@fhir-dsl/token-store";
import { bounded, type RedisClientLike } from "./bounded.js";

/**
 * Durable writes: each write goes with `WAIT replicas timeoutMs` (https://redis.io/docs/latest/commands/wait/)
 * in one pipeline, so a write is reported done only once `replicas` replicas have it and a failover of its
 * primary cannot lose it (SECURITY.md F20).
 */
export interface DurabilityOptions {
  /** How many replicas must acknowledge each write (>= 1; 0 turns the option off). */
  replicas: number;
  /** How long to wait for them, in ms (default 1000). Past it, the call fails with a retryable TokenStoreError. */
  timeoutMs?: number;
}

export interface Durability {
  replicas: number;
  timeoutMs: number;
  /** Bound of the whole WAIT round trip: `timeoutMs` plus the store's `commandTimeoutMs`. */
  boundMs: number;
}

export const DEFAULT_DURABILITY_TIMEOUT_MS = 1_000;

type Pipelined = RedisClientLike & {
  pipeline?: (commands: (string | number)[][]) => { exec(): Promise<[Error | null, unknown][] | null> };
  refreshSlotsCache?: (callback: () => void) => void;
};

/** Validate `options.durability` (TypeError on misuse); undefined when it is off. */
export function resolveDurability(value: unknown, client: unknown, commandTimeoutMs: number): Durability | undefined {
  if (value === undefined) return undefined;
  const o = value as Record<string, unknown>;
  const replicas = typeof value === "object" && value !== null ? o.replicas : undefined;
  const timeoutMs =
    typeof value === "object" && value !== null ? (o.timeoutMs ?? DEFAULT_DURABILITY_TIMEOUT_MS) : undefined;
  // WAIT with a timeout of 0 blocks forever: refuse it rather than hang a token save
  if (
    typeof replicas !== "number" ||
    !Number.isInteger(replicas) ||
    replicas < 0 ||
    typeof timeoutMs !== "number" ||
    !Number.isInteger(timeoutMs) ||
    timeoutMs < 1
  ) {
    throw new TypeError(
      "RedisTokenStore: options.durability must be { replicas: <integer >= 0>, timeoutMs?: <integer ms >= 1> }, e.g. { replicas: 1, timeoutMs: 1000 }",
    );
  }
  if (typeof (client as Pipelined).pipeline !== "function") {
    throw new TypeError(
      "RedisTokenStore: options.durability needs an ioredis client with pipeline() (Redis or Cluster)",
    );
  }
  return replicas === 0 ? undefined : { replicas, timeoutMs, boundMs: timeoutMs + commandTimeoutMs };
}

/**
 * Send one write: `plain()` when durability is off; otherwise `command` and `WAIT replicas timeoutMs` in one
 * pipeline, so both go down one connection to the node that owns the key's slot (WAIT counts the writes of
 * its connection: https://redis.io/docs/latest/commands/wait/). Resolves with the write's reply once enough
 * replicas have it; a write they did not acknowledge is on the primary only and fails with a retryable
 * TokenStoreError. WAIT is never sent on its own: ioredis Cluster resends a command whose connection closed
 * to whichever node owns the slot next, where a lone WAIT would count nothing and "acknowledge" a write the
 * failover lost. A pipeline is resent whole, the write with it. `wrote(reply)` says whether the command
 * wrote anything (e.g. `SET NX` that found the key taken did not): if not, its WAIT count does not matter.
 */
export function writeCommand<T>(
  client: RedisClientLike,
  timeoutMs: number,
  durability: Durability | undefined,
  operation: string,
  key: string,
  command: (string | number)[],
  plain: () => Promise<T>,
  wrote: (reply: T) => boolean = () => true,
): Promise<T> {
  if (durability === undefined) return bounded(client, timeoutMs, operation, key, plain);
  return durableWrite(client, durability, operation, key, command, wrote as (reply: unknown) => boolean) as Promise<T>;
}

async function durableWrite(
  client: RedisClientLike,
  { replicas, timeoutMs, boundMs }: Durability,
  operation: string,
  key: string,
  command: (string | number)[],
  wrote: (reply: unknown) => boolean,
): Promise<unknown> {
  const c = client as Pipelined;
  const deadline = Date.now() + boundMs;
  const [write, wait] = await bounded(client, boundMs, operation, key, async () => {
    for (let attempt = 1; ; attempt++) {
      const replies = await c.pipeline!([command, ["wait", replicas, timeoutMs]]).exec();
      if (replies?.length !== 2) throw new Error("no pipeline reply");
      const writeError = replies[0]?.[0];
      if (!writeError) return replies;
      // ioredis retries a pipeline only when every command failed alike; here WAIT answered, so a slot that
      // moved (failover) or a cluster still electing is retried here: the node refused the write, resending is safe
      const redirected = /^(MOVED|CLUSTERDOWN|TRYAGAIN) /.test(writeError.message);
      // never resend once the call may have been reported failed: a late write could land over a newer token (F2)
      if (!redirected || attempt === 5 || Date.now() + 50 * attempt >= deadline - timeoutMs) throw writeError;
      if (typeof c.refreshSlotsCache === "function")
        await new Promise<void>((resolve) => c.refreshSlotsCache!(() => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  });
  if (!wrote(write![1])) return write![1]; // nothing was written (a lease another holder has): nothing to wait for
  const [waitError, acked] = wait!;
  if (waitError) throw unacknowledged(operation, key, `WAIT failed (${waitError.message})`);
  if (typeof acked !== "number" || acked < replicas) {
    throw unacknowledged(
      operation,
      key,
      `${Number(acked) || 0} of ${replicas} replica(s) acknowledged within ${timeoutMs} ms`,
    );
  }
  return write![1];
}

/** Whether `error` is a write that landed on the primary but that too few replicas acknowledged. */
export function isUnacknowledged(error: unknown): boolean {
  return TokenStoreError.is(error) && (error as { [UNACKED]?: true })[UNACKED] === true;
}
const UNACKED = Symbol("unacknowledged");

function unacknowledged(operation: string, key: string, reason: string): TokenStoreError {
  const error = new TokenStoreError(
    `Redis token store ${operation} of key "${key}" is on the primary but not durable: ${reason}; a failover now could lose it`,
    { code: TokenStoreErrorCode.Unavailable, key, retryable: true },
  );
  Object.defineProperty(error, UNACKED, { value: true });
  return error;
}
