// The private redis-server of the tests lives in tools/test-redis (imported by path: this package is published).
export { freePort, startPrivateRedis, type PrivateRedis } from "../../../tools/test-redis/index.js";
export { startRedisCluster, type RedisClusterForTests } from "../../../tools/test-redis/index.js";
export { startSentinelGroup, type SentinelGroupForTests } from "../../../tools/test-redis/index.js";
