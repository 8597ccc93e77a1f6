// The private redis-server of the tests lives in the workspace tool @fhir-dsl/test-redis.
export { freePort, startPrivateRedis, type PrivateRedis } from "@fhir-dsl/test-redis";
