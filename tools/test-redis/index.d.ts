export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
export interface TestRedis {
  url: string;
  /** True when REDIS_URL was used (a server this call did not start). */
  shared: boolean;
  stop(): Promise<void>;
}
export function freePort(): Promise<number>;
export function startPrivateRedis(): Promise<PrivateRedis>;
export function redisForTests(): Promise<TestRedis>;
/** One redis-server process of a test topology; `kill()` is SIGKILL (a crash), `stop()` SIGTERM. */
export interface RedisNode {
  readonly host: "127.0.0.1";
  readonly port: number;
  readonly running: boolean;
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}
export interface RedisClusterForTests {
  readonly nodes: readonly RedisNode[];
  readonly startupNodes: { host: string; port: number }[];
  node(port: number | string): RedisNode;
  /** Until every running node reports `cluster_state:ok` and knows every node. */
  waitOk(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}
export interface RedisClusterOptions {
  primaries?: number;
  replicasPerPrimary?: number;
  /** `cluster-node-timeout` (default 1000 ms: a failover takes about 2 s). */
  clusterNodeTimeoutMs?: number;
}
export function redisCli(args: string[], options?: { timeoutMs?: number }): Promise<string>;
export function startRedisCluster(options?: RedisClusterOptions): Promise<RedisClusterForTests>;
export interface SentinelGroupForTests {
  readonly name: string;
  /** The data nodes: the first one starts as the primary, the others as its replicas. */
  readonly nodes: readonly RedisNode[];
  readonly sentinels: readonly RedisNode[];
  readonly sentinelAddresses: { host: string; port: number }[];
  node(port: number | string): RedisNode;
  primaryPort(): Promise<number>;
  /** Until every sentinel names one primary other than `oldPort` and it reports role master; resolves with its port. */
  waitPrimaryOtherThan(oldPort: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}
export function startSentinelGroup(options?: {
  replicas?: number;
  sentinels?: number;
  name?: string;
  downAfterMs?: number;
}): Promise<SentinelGroupForTests>;
/** The structural part of an ioredis client (Redis or Cluster) that `rawRedisReader` uses. */
export interface RawRedisClient {
  get(key: string): Promise<string | null>;
  pttl(key: string): Promise<number>;
}
/** The token-store contract suite's `raw` option: the stored value and TTL under `rawKey(key)`, read with `client()`. */
export function rawRedisReader(
  client: () => RawRedisClient,
  rawKey: (key: string) => string,
  options: { plaintext: boolean },
): {
  read(key: string): Promise<string | undefined>;
  ttlMs(key: string): Promise<number | undefined>;
  plaintext: boolean;
};
