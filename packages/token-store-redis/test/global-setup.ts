import type { TestProject } from "vitest/node";
import { startPrivateRedis } from "@fhir-dsl/test-redis";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** Use the Redis of `.ci/run` (REDIS_URL), or start a private one for a run by hand and stop it afterwards. */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const shared = process.env.REDIS_URL;
  if (shared) {
    project.provide("redisUrl", shared);
    return undefined;
  }
  const redis = await startPrivateRedis();
  project.provide("redisUrl", redis.url);
  return () => redis.stop();
}
