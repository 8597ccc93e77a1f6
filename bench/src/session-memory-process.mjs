// Child process (node --expose-gc) for session-memory.mjs: builds `count` SmartClient sessions or
// BackendServicesAuth providers, each holding a cached one-hour token, and reports heap bytes per object
// (heap used after minus before, both after full GCs) and timers pending (created, not fired or cleared).
// The store is a shared one that keeps nothing, so the figure excludes the store entry. Args: kind count [snapshot-file].
import { writeHeapSnapshot } from "node:v8";

const [kind, countArg, snapshot] = process.argv.slice(2);
const count = Number(countArg);
const live = new Set();
const realSet = globalThis.setTimeout;
const realClear = globalThis.clearTimeout;
globalThis.setTimeout = (fn, ms, ...args) => {
  const t = realSet(() => (live.delete(t), fn(...args)), ms);
  live.add(t);
  return t;
};
globalThis.clearTimeout = (t) => (live.delete(t), realClear(t));

const { BackendServicesAuth, SmartClient } = await import("@fhir-dsl/smart");
const FHIR = "https://ehr.example/fhir";
const smartConfig = {
  token_endpoint: "https://ehr.example/auth/token",
  capabilities: [],
  code_challenge_methods_supported: ["S256"],
  grant_types_supported: ["client_credentials", "authorization_code"],
};
const store = { get: async () => undefined, set: async () => undefined, delete: async () => undefined };
let n = 0;
const tokenFetch = async () =>
  new Response(
    JSON.stringify({
      access_token: `eyJhbGciOiJFUzM4NCJ9.backend-${++n}.signature`,
      token_type: "bearer",
      expires_in: 3600,
      scope: "system/Patient.rs",
    }),
    { headers: { "content-type": "application/json" } },
  );
const { privateKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, false, ["sign"]);

const make = async (i) => {
  if (kind === "session") {
    const smart = new SmartClient({
      smartConfig,
      fhirBaseUrl: FHIR,
      clientId: "app",
      tokenStore: store,
      storeKey: `smart:user-${i}`,
      tokens: {
        access_token: `eyJhbGciOiJFUzM4NCJ9.user-${i}.signature`,
        refresh_token: `rt-${i}`,
        token_type: "Bearer",
        expires_in: 3600,
        scope: "launch/patient patient/*.rs openid fhirUser",
        patient: `p${i}`,
      },
    });
    await smart.getAuthorization({ url: `${FHIR}/Patient/p${i}`, method: "GET" });
    return smart;
  }
  const auth = new BackendServicesAuth({
    fhirBaseUrl: FHIR,
    smartConfig,
    clientId: `svc-${i}`,
    scope: "system/Patient.rs",
    privateKey,
    alg: "ES384",
    tokenStore: store,
    fetch: tokenFetch,
  });
  await auth.getAuthorization({ url: `${FHIR}/Patient`, method: "GET" });
  return auth;
};

const heap = async () => {
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => realSet(r, 10));
    globalThis.gc();
  }
  return process.memoryUsage().heapUsed;
};
// Warm-up: enough objects, dropped, that every code path is compiled and optimised before anything is counted.
for (let i = 0; i < Math.max(200, Math.min(count, 2_000)); i++) await make(-1 - i);
// Small counts are measured in several batches (all kept), the median batch reported: a GC's leftovers are
// a few kB, which at 10 objects would be most of the figure.
const batches = count >= 1_000 ? 1 : 5;
const kept = [];
const per = [];
for (let b = 0; b < batches; b++) {
  const before = await heap();
  for (let i = 0; i < count; i++) kept.push(await make(b * count + i));
  per.push((await heap()) - before);
}
if (snapshot) writeHeapSnapshot(snapshot);
per.sort((x, y) => x - y);
process.send({ kind, count, bytesPer: per[per.length >> 1] / count, timers: live.size, objects: kept.length });
