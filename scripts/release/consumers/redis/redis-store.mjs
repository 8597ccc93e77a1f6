// Seed README Backend Services with the token store swapped for Redis in one line, against the sandbox
// and the Redis at REDIS_URL; a second process-like client then reuses the stored token.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { BackendServicesAuth } from "@fhir-dsl/smart";
import * as adapter from "@fhir-dsl/token-store-redis";
import { startSandbox } from "@fhir-dsl/smart-sandbox";
import { Redis } from "ioredis";
import { registerBackendClient } from "@fhir-dsl/smart-sandbox/testing";
import { importPKCS8 } from "./backend-key.mjs";
import { skipUnlessExported } from "./exports.mjs";
import { createFhirClient } from "./fhir-client.mjs";

skipUnlessExported(adapter, "@fhir-dsl/token-store-redis", ["RedisTokenStore"]);
const { RedisTokenStore } = adapter;
assert.ok(process.env.REDIS_URL, "REDIS_URL must name a running Redis");

const keyPrefix = `release-dry-run:${randomUUID()}:`;
const redis = new Redis(process.env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const sandbox = await startSandbox({ port: 0 });
try {
  await redis.connect();
  const pem = (await registerBackendClient(sandbox, { clientId: "backend-client-id", scope: "system/Patient.rs" }))
    .privateKeyPem;
  const privateKey = await importPKCS8(pem, "ES384");
  const make = () =>
    new BackendServicesAuth({
      issuer: sandbox.fhirBaseUrl,
      clientId: "backend-client-id",
      scope: "system/Patient.rs",
      privateKey,
      alg: "ES384",
      kid: "key-1",
      tokenStore: new RedisTokenStore(redis, { keyPrefix }), // <- the one line
    });

  const patients = await createFhirClient({ baseUrl: sandbox.fhirBaseUrl, auth: make() })
    .search("Patient")
    .count(100)
    .execute();
  assert.equal(patients.resourceType, "Bundle");
  const keys = await redis.keys(`${keyPrefix}*`);
  assert.ok(keys.length > 0, "the token went to Redis");

  // another worker with its own client object: served from Redis, no second token request
  await createFhirClient({ baseUrl: sandbox.fhirBaseUrl, auth: make() }).search("Patient").execute();
  assert.equal(sandbox.stats.tokenRequests, 1, "the second client reused the token kept in Redis");
  console.log(
    `Redis store: ${keys.length} key(s) under the prefix, ${sandbox.stats.tokenRequests} token request for 2 clients`,
  );
  const all = await redis.keys(`${keyPrefix}*`);
  if (all.length > 0) await redis.del(...all);
} finally {
  redis.disconnect();
  await sandbox.close();
}
