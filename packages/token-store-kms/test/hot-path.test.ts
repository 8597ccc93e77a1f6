import { BackendServicesAuth } from "@fhir-dsl/smart";
import { InMemoryTokenStore } from "@fhir-dsl/token-store";
import { generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsEncryptedTokenStore } from "../src/index.js";
import { startLocalKms, type LocalKms } from "@fhir-dsl/test-kms";
import { kmsClient } from "./helpers.js";

// ARCHITECTURE.md invariant: a cached token is served from memory; an encrypted store is not decrypted per FHIR request.
let kms: LocalKms;
beforeAll(async () => {
  kms = await startLocalKms();
});
afterAll(() => kms.close());

const FHIR = "http://127.0.0.1:9/fhir";
const TOKEN_ENDPOINT = "http://127.0.0.1:9/token";

class CountingStore extends InMemoryTokenStore {
  reads = 0;
  override async get(key: string) {
    this.reads++;
    return super.get(key);
  }
}

describe("hot path with @fhir-dsl/smart BackendServicesAuth (checklist E24)", () => {
  // by key ARN: 1 GenerateDataKey in all; by alias: the second process looks the alias up once (SECURITY.md F12)
  for (const [how, lookups] of [
    ["a key ARN", 0],
    ["an alias", 1],
  ] as const) {
    it(`1,000 FHIR requests in each of two processes cost 1 GenerateDataKey (+${lookups} alias lookup) and at most 1 Decrypt in total, key named by ${how}`, async () => {
      const keyId = how === "an alias" ? "alias/tokens" : kms.createKey();
      const { privateKey } = await generateKeyPair("RS384");
      let tokenRequests = 0;
      const fetchToken: typeof fetch = async (input) => {
        expect(String(input instanceof Request ? input.url : input)).toBe(TOKEN_ENDPOINT);
        tokenRequests++;
        return new Response(
          JSON.stringify({
            access_token: `at-${tokenRequests}`,
            token_type: "bearer",
            expires_in: 300,
            scope: "system/Patient.rs",
          }),
          {
            headers: { "content-type": "application/json", "cache-control": "no-store" },
          },
        );
      };
      const inner = new CountingStore();
      const provider = () =>
        new BackendServicesAuth({
          issuer: FHIR,
          tokenEndpoint: TOKEN_ENDPOINT,
          clientId: "svc",
          scope: "system/Patient.rs",
          privateKey,
          alg: "RS384",
          fetch: fetchToken,
          tokenStore: new KmsEncryptedTokenStore({ kms: kmsClient(kms), keyId, store: inner }),
        });
      kms.resetCounts();
      for (const auth of [provider(), provider()]) {
        for (let i = 0; i < 1_000; i++) {
          expect(await auth.getAuthorization({ url: `${FHIR}/Patient/${i}`, method: "GET" })).toBe("Bearer at-1");
        }
      }
      expect(tokenRequests).toBe(1);
      expect(kms.calls.GenerateDataKey).toBe(1 + lookups);
      expect(kms.calls.Decrypt).toBeLessThanOrEqual(1);
      expect(inner.reads).toBeLessThanOrEqual(10);
    });
  }
});
