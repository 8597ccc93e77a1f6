// The Redis a bench uses: REDIS_URL, or a private redis-server (REDIS_SERVER_BIN or PATH) on a free port.
export { redisForTests as benchRedis } from "@fhir-dsl/test-redis";
