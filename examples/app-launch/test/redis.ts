// REDIS_URL when set (`.ci/run` exports it), else a private `redis-server`: see @fhir-dsl/test-redis.
export { redisForTests } from "@fhir-dsl/test-redis";
