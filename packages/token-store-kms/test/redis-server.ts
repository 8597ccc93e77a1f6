// REDIS_URL when set (CI), else a private redis-server on 127.0.0.1: see tools/test-redis (not a dependency: this package is published).
export { redisForTests } from "../../../tools/test-redis/index.js";
