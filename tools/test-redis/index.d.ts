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
