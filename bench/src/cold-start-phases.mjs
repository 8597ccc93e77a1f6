// Where the cold stampede's time goes (row 2 of `pnpm bench`), phase by phase, beside the by-hand path:
// `node src/cold-start-phases.mjs [runs]` (default 61). The same set-up as run.mjs (sandbox in a child process, an
// ES384 CryptoKey); fetch, crypto.subtle.sign and the in-memory store are wrapped to stamp when each step starts
// and ends. Prints, per side, the median time from start of each stamp and the step before it (medians, so the
// rows are indicative: read them for the order of magnitude of each step, and use run.mjs for the ratio).
import { BackendServicesAuth, clearDiscoveryCache } from "@fhir-dsl/smart";
import { InMemoryTokenStore } from "@fhir-dsl/token-store";
import { clientKeys, median, sandboxProcess } from "./services.mjs";
import { directTokenRequest } from "./stampede.mjs";

const runs = Number(process.argv[2] ?? 61);
let stamps;
const stamp = (name) => stamps?.push([name, performance.now()]);
const wrap = (target, name, label) => {
  const original = target[name];
  target[name] = async function (...args) {
    stamp(`${label(args)} >`);
    try {
      return await original.apply(this, args);
    } finally {
      stamp(`${label(args)} <`);
    }
  };
};
wrap(globalThis, "fetch", ([input]) =>
  String(input?.url ?? input).includes("well-known") ? "discovery" : "token request",
);
wrap(crypto.subtle, "sign", () => "assertion signature");
wrap(InMemoryTokenStore.prototype, "get", () => "store get");
wrap(InMemoryTokenStore.prototype, "set", () => "store set");

const keys = await clientKeys();
const bench = await sandboxProcess(keys);
const env = { bench, keys };

async function cold() {
  const clientId = await bench.addClient("phases");
  clearDiscoveryCache();
  const req = { url: `${bench.fhirBaseUrl}/Patient`, method: "GET" };
  stamps = [["start", performance.now()]];
  const auth = new BackendServicesAuth({
    fhirBaseUrl: bench.fhirBaseUrl,
    clientId,
    scope: "system/Patient.rs",
    privateKey: keys.privateKey,
    alg: "ES384",
    kid: keys.kid,
  });
  stamp("constructed");
  const waits = Array.from({ length: 1_000 }, () => auth.getAuthorization(req));
  stamp("1,000 calls made");
  await Promise.all(waits);
  stamp("all resolved");
  return stamps.splice(0);
}

async function direct() {
  stamps = [];
  const { ms } = await directTokenRequest({ env });
  const taken = stamps.splice(0);
  return [["start", taken[0][1]], ...taken, ["done", taken[0][1] + ms]];
}

const sides = { cold: new Map(), direct: new Map() };
for (let i = 0; i < runs + 5; i++) {
  const pair =
    i % 2
      ? [
          ["direct", await direct()],
          ["cold", await cold()],
        ]
      : [
          ["cold", await cold()],
          ["direct", await direct()],
        ];
  if (i < 5) continue;
  for (const [side, taken] of pair)
    for (const [name, t] of taken) (sides[side].get(name) ?? sides[side].set(name, []).get(name)).push(t - taken[0][1]);
}
await bench.close();
for (const [side, rows] of Object.entries(sides)) {
  console.log(`\n${side}: median ms from start (${runs} runs), and the step before`);
  let previous = 0;
  for (const [name, t] of [...rows].map(([n, ts]) => [n, median(ts)]).sort((a, b) => a[1] - b[1])) {
    console.log(`  ${name.padEnd(24)} ${t.toFixed(3).padStart(7)}  +${(t - previous).toFixed(3)}`);
    previous = t;
  }
}
