// 7. Cold start of a token request signed by AWS KMS (@fhir-dsl/smart-kms-signer against the local KMS
// endpoint, real SDK, real SigV4) beside the same cold start with a local key, paired runs in one process.
// Standalone: `node src/kms-signer.mjs` (this row only) starts what it needs and prints its table.
import { pathToFileURL } from "node:url";
import { BackendServicesAuth, clearDiscoveryCache } from "@fhir-dsl/smart";
import { createKmsSigner } from "@fhir-dsl/smart-kms-signer";
import { median } from "./services.mjs";

/** One cold BackendServicesAuth, one caller: discovery + one token request (+ one KMS Sign with a signer). */
async function coldToken({ bench, fhirBaseUrl, clientId, privateKey, alg, kid }) {
  clearDiscoveryCache();
  const start = performance.now();
  const auth = new BackendServicesAuth({
    fhirBaseUrl,
    clientId,
    scope: "system/Patient.rs",
    privateKey,
    ...(alg ? { alg, kid } : {}),
  });
  const header = await auth.getAuthorization({ url: `${fhirBaseUrl}/Patient`, method: "GET" });
  const ms = performance.now() - start;
  if (!header?.startsWith("Bearer ")) throw new Error("kms-signer bench: no token");
  return ms;
}

export async function measureKmsSigner({ env, repeats = 61, warmup = 5 }) {
  const { bench, keys, kms } = env;
  await kms.kms.createSigningKey("ECC_NIST_P384", { alias: "alias/bench-signing" });
  const creation = [];
  let signer;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    signer = await createKmsSigner({ kms: kms.client, keyId: "alias/bench-signing", alg: "ES384" });
    creation.push(performance.now() - start);
  }
  const localClient = await bench.addClient("local-key");
  const kmsClient = await bench.addClient("kms-signer", signer.jwks());
  const local = {
    bench,
    fhirBaseUrl: bench.fhirBaseUrl,
    clientId: localClient,
    privateKey: keys.privateKey,
    alg: "ES384",
    kid: keys.kid,
  };
  const signed = { bench, fhirBaseUrl: bench.fhirBaseUrl, clientId: kmsClient, privateKey: signer };
  const localMs = [];
  const kmsMs = [];
  const ratios = [];
  kms.kms.resetCounts();
  const before = await bench.tokenRequests();
  for (let i = 0; i < warmup + repeats; i++) {
    // alternate the order so neither side always runs on a warmer process
    const [a, b] =
      i % 2
        ? [await coldToken(signed), await coldToken(local)]
        : [await coldToken(local), await coldToken(signed)].reverse();
    if (i < warmup) continue;
    kmsMs.push(a);
    localMs.push(b);
    ratios.push(a / b);
  }
  const tokenRequests = (await bench.tokenRequests()) - before;
  const runs = warmup + repeats;
  return {
    repeats,
    localMs: median(localMs),
    kmsMs: median(kmsMs),
    ratio: median(ratios),
    createSignerMs: median(creation),
    signCallsPerTokenRequest: kms.kms.calls.Sign / (tokenRequests / 2),
    signCalls: kms.kms.calls.Sign,
    tokenRequests,
    runs,
  };
}

export function kmsSignerTable(ks, table, fixed) {
  return table(
    ["cold BackendServicesAuth, 1 caller (discovery + token)", "ms", "KMS Sign calls"],
    [
      ["local ES384 key (CryptoKey)", fixed(ks.localMs, 2), "0"],
      [
        "ES384 key in KMS (createKmsSigner, local KMS endpoint)",
        fixed(ks.kmsMs, 2),
        `${ks.signCalls} for ${ks.tokenRequests / 2} token requests`,
      ],
      ["ratio (median of paired runs)", `${fixed(ks.ratio, 2)}x`, ""],
      ["createKmsSigner once per process (GetPublicKey, JWK, thumbprint)", fixed(ks.createSignerMs, 2), ""],
    ],
    ["", "r", "r"],
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { clientKeys, sandboxProcess, startKms } = await import("./services.mjs");
  const { fixed, table } = await import("./format.mjs");
  const keys = await clientKeys();
  const kms = await startKms();
  const bench = await sandboxProcess(keys);
  try {
    const ks = await measureKmsSigner({ env: { bench, keys, kms }, repeats: process.env.BENCH_QUICK === "1" ? 5 : 61 });
    console.log(kmsSignerTable(ks, table, fixed));
  } finally {
    await bench.close();
    await kms.close();
  }
}
