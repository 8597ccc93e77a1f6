import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig, UsageError } from "../src/config.js";
import { describeFailure } from "../src/failure.js";

describe("loadConfig (environment parsing)", () => {
  it("embedded defaults: ES384, the two system scopes, memory store, 2 per page", async () => {
    expect(await loadConfig({})).toEqual({
      alg: "ES384",
      scope: "system/Patient.rs system/Observation.rs",
      pageSize: 2,
      tokenStore: "memory",
      allowInsecureRequests: false,
    });
  });

  it("any environment either parses or fails with a one-line UsageError (property)", async () => {
    const names = fc.constantFrom(
      "FHIR_BASE_URL",
      "CLIENT_ID",
      "PRIVATE_KEY",
      "KID",
      "ALG",
      "SCOPE",
      "TOKEN_STORE",
      "REDIS_URL",
      "KMS_KEY_ID",
      "KMS_ENDPOINT",
      "PAGE_SIZE",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          names,
          fc.oneof(fc.string(), fc.constantFrom("redis", "kms", "memory", "RS384", "http://127.0.0.1:1/fhir")),
        ),
        async (env) => {
          try {
            const config = await loadConfig(env);
            expect(["memory", "redis", "kms"]).toContain(config.tokenStore);
            expect(Number.isInteger(config.pageSize) && config.pageSize > 0).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(UsageError);
            expect(describeFailure(error)).not.toContain("\n");
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a key given inline is never echoed in a message (a bad key says what is wrong, not what it was)", async () => {
    const secret = "-----BEGIN PRIVATE KEY-----\\nSECRETSECRET\\n-----END PRIVATE KEY-----";
    const config = await loadConfig({ PRIVATE_KEY: secret });
    expect(config.privateKeyPem).toContain("\nSECRETSECRET\n");
    const failure = await loadConfig({ ALG: "HS256", PRIVATE_KEY: secret }).catch((e: unknown) => e);
    expect(describeFailure(failure)).not.toContain("SECRET");
  });
});
