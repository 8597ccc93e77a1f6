import { createServer } from "node:http";
import { generateKeyPair } from "jose";
const Old = await import("./.ab-old/index.js");
const New = await import("./.ab-new/index.js");
const server = createServer((req, res) => { req.resume(); req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: "eyJhbGciOiJFUzM4NCJ9.payload.signature", token_type: "Bearer", expires_in: 3600 }))); });
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;
const { privateKey } = await generateKeyPair("ES384");
const make = (M) => new M.BackendServicesAuth({ fhirBaseUrl: `${origin}/fhir`, tokenEndpoint: `${origin}/token`, clientId: "c", scope: "system/Patient.rs", privateKey, alg: "ES384" });
const auths = { old: make(Old), new: make(New) };
for (const a of Object.values(auths)) await a.getAuthorization({ url: `${origin}/fhir/Patient/1`, method: "GET" });
const reqs = Array.from({ length: 16 }, (_, i) => ({ url: `${origin}/fhir/Observation?patient=p${i}&_count=50`, method: "GET" }));
const map = new Map([["k", "eyJhbGciOiJFUzM4NCJ9.payload.signature"]]);
let sink = 0;
const N = 200_000;
async function loop(kind) {
  const cpu = process.cpuUsage();
  if (kind === "map") for (let i = 0; i < N; i++) { const v = await map.get("k"); sink += ("Bearer " + v).length; }
  else { const a = auths[kind]; for (let i = 0; i < N; i++) sink += (await a.getAuthorization(reqs[i & 15])).length; }
  const u = process.cpuUsage(cpu); return ((u.user + u.system) * 1000) / N;
}
const res = { map: [], old: [], new: [] }, ratio = { old: [], new: [] };
for (let r = 0; r < 23; r++) {
  for (const k of r % 2 ? ["new", "old"] : ["old", "new"]) { const b = await loop("map"); const t = await loop(k); if (r >= 3) { res.map.push(b); res[k].push(t); ratio[k].push(t / b); } }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`CPU ns/op medians: map ${med(res.map).toFixed(1)}, old ${med(res.old).toFixed(1)} (ratio ${med(ratio.old).toFixed(3)}), new ${med(res.new).toFixed(1)} (ratio ${med(ratio.new).toFixed(3)})`);
server.close();
