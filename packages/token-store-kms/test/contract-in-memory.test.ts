import { InMemoryTokenStore } from "@fhir-dsl/token-store";
import { runTokenStoreContract } from "@fhir-dsl/token-store/testing";
import { afterAll, beforeAll, describe, it } from "vitest";
import { KmsEncryptedTokenStore } from "../src/index.js";
import { startLocalKms, type LocalKms } from "@fhir-dsl/test-kms";
import { kmsClient, sealedWriter } from "./helpers.js";

let kms: LocalKms;
const inner = new InMemoryTokenStore();
let writeToken: (key: string, token: unknown) => Promise<void>;
beforeAll(async () => {
  kms = await startLocalKms();
  writeToken = sealedWriter(kms, () => inner);
});

runTokenStoreContract({
  name: "KmsEncryptedTokenStore over InMemoryTokenStore (checklist 2.46)",
  test: { describe, it, beforeAll, afterAll },
  createStore: () => new KmsEncryptedTokenStore({ kms: kmsClient(kms), keyId: "alias/tokens", store: inner }),
  requireLock: true,
  raw: {
    read: async (key) => {
      const value = await inner.get(key);
      return value === undefined ? undefined : JSON.stringify(value);
    },
    plaintext: false,
    writeToken: (key, token) => writeToken(key, token),
  },
  generatedRuns: Number(process.env.FUZZ_RUNS ?? 300),
  teardown: () => kms.close(),
});
