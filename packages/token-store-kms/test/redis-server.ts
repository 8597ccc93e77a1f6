// REDIS_URL when set (CI), else a private redis-server on 127.0.0.1: see the workspace tool @fhir-dsl/test-redis.
export { redisForTests } from "@fhir-dsl/test-redis";
