// Cost of KmsEncryptedTokenStore over the in-memory store, data-key caches on vs off, in one run.
// Talks to the local KMS of @fhir-dsl/test-kms (real KMSClient, real HTTP on 127.0.0.1); `pnpm bench` compiles src first.
import { KMSClient } from "@aws-sdk/client-kms";
import { InMemoryTokenStore } from "@fhir-dsl/token-store";
import { KmsEncryptedTokenStore } from "../node_modules/.cache/bench/index.js";
import { startLocalKms } from "@fhir-dsl/test-kms";

const OPS = Number(process.env.BENCH_OPS) || 1_000;
const token = {
  access_token: `eyJhbGciOiJSUzM4NCJ9.${"a".repeat(600)}.sig`,
  token_type: "Bearer",
  expires_in: 300,
  expires_at: Date.now() + 300_000,
  refresh_token: "r".repeat(64),
  scope: "launch/patient openid fhirUser offline_access patient/*.rs",
  patient: "123",
};

const kms = await startLocalKms();
const client = new KMSClient({ ...kms.clientConfig(), maxAttempts: 1 });
const configs = {
  "cache on": {},
  "cache off": { dataKeyCache: false, decryptedKeyCache: false },
};

async function time(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const rows = [];
async function measure(name, op, run) {
  kms.resetCounts();
  const ms = await time(run);
  const calls = kms.calls.GenerateDataKey + kms.calls.Decrypt + kms.calls.Encrypt;
  rows.push({ name, op, ms, calls });
  return ms;
}

// Warm-up: JIT, sockets, WebCrypto.
{
  const warm = new KmsEncryptedTokenStore({
    kms: client,
    keyId: "alias/tokens",
    store: new InMemoryTokenStore(),
    dataKeyCache: false,
    decryptedKeyCache: false,
  });
  for (let i = 0; i < 50; i++) await warm.set(`w${i}`, token), await warm.get(`w${i}`);
}

const plain = new InMemoryTokenStore();
await measure("in-memory, no encryption", "write", async () => {
  for (let i = 0; i < OPS; i++) await plain.set(`p${i}`, token);
});
await measure("in-memory, no encryption", "read", async () => {
  for (let i = 0; i < OPS; i++) await plain.get("p0");
});

const results = {};
for (const [label, options] of Object.entries(configs)) {
  const inner = new InMemoryTokenStore();
  const writer = new KmsEncryptedTokenStore({ kms: client, keyId: "alias/tokens", store: inner, ...options });
  results[label] = {};
  results[label].write = await measure(`KMS envelope, ${label}`, "write", async () => {
    for (let i = 0; i < OPS; i++) await writer.set(`k${i}`, token);
  });
  // A fresh instance, so the read figures include the cold Decrypt.
  const reader = new KmsEncryptedTokenStore({ kms: client, keyId: "alias/tokens", store: inner, ...options });
  results[label].read = await measure(`KMS envelope, ${label}`, "read", async () => {
    for (let i = 0; i < OPS; i++) await reader.get("k0");
  });
}
await kms.close();

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
console.log(
  `\nKmsEncryptedTokenStore over InMemoryTokenStore, ${OPS} sequential ops each, local KMS on 127.0.0.1 (Node ${process.version})\n`,
);
console.log(
  `| ${pad("store", 28)} | ${pad("op", 5)} | ${lpad("total ms", 9)} | ${lpad("µs/op", 8)} | ${lpad("ops/s", 8)} | ${lpad("KMS calls", 9)} |`,
);
console.log(
  `|${"-".repeat(30)}|${"-".repeat(7)}|${"-".repeat(11)}|${"-".repeat(10)}|${"-".repeat(10)}|${"-".repeat(11)}|`,
);
for (const r of rows) {
  console.log(
    `| ${pad(r.name, 28)} | ${pad(r.op, 5)} | ${lpad(r.ms.toFixed(1), 9)} | ${lpad(((r.ms * 1000) / OPS).toFixed(1), 8)} | ${lpad(Math.round((OPS * 1000) / r.ms), 8)} | ${lpad(r.calls, 9)} |`,
  );
}
const ratio = (op) => (results["cache off"][op] / results["cache on"][op]).toFixed(1);
console.log(`\nratios (cache off / cache on, time): write ${ratio("write")}x, read ${ratio("read")}x`);
