// 4. KMS calls per 1,000 writes and per 1,000 reads of KmsEncryptedTokenStore with the default cache settings,
// counted by the local KMS endpoint (what AWS would bill), not by the store.
import { InMemoryTokenStore } from "@fhir-dsl/smart";
import { KmsEncryptedTokenStore } from "@fhir-dsl/token-store-kms";

const token = (i) => ({
  access_token: `eyJhbGciOiJFUzM4NCJ9.${"a".repeat(400)}.${i}`,
  token_type: "Bearer",
  expires_in: 300,
  expires_at: Date.now() + 300_000,
  scope: "system/Patient.rs",
});

export async function measureKmsCalls({ kms, ops = 1_000 }) {
  const inner = new InMemoryTokenStore();
  const store = () => new KmsEncryptedTokenStore({ kms: kms.client, keyId: "alias/tokens", store: inner });
  const count = async (run) => {
    kms.kms.resetCounts();
    await run();
    return { ...kms.kms.calls, total: kms.calls() };
  };
  const writer = store();
  const writes = await count(async () => {
    for (let i = 0; i < ops; i++) await writer.set(`k${i}`, token(i));
  });
  // fresh instances: the reads include the cold Decrypt of the data key
  const sameKeyReader = store();
  const readsSameKey = await count(async () => {
    for (let i = 0; i < ops; i++) await sameKeyReader.get("k0");
  });
  const manyKeysReader = store();
  const readsManyKeys = await count(async () => {
    for (let i = 0; i < ops; i++) await manyKeysReader.get(`k${i}`);
  });
  return { ops, writes, readsSameKey, readsManyKeys };
}
