import { fork } from "node:child_process";
import { once } from "node:events";
import { SmartClient } from "@fhir-dsl/smart";
import { createAuthorizedFetch as oldAF } from "/tmp/h9/old-af.mjs";
const child = fork(new URL("./src/loopback-server-process.mjs", import.meta.url), [], {
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
const [{ port }] = await once(child, "message");
const base = `http://127.0.0.1:${port}/fhir`;
const url = `${base}/Patient/123`;
const smart = new SmartClient({
  smartConfig: { token_endpoint: `${base}/token`, capabilities: [], code_challenge_methods_supported: ["S256"] },
  fhirBaseUrl: base,
  clientId: "b",
  tokens: { access_token: "eyJhbGciOiJFUzM4NCJ9.payload.signature", token_type: "Bearer", expires_in: 3600 },
  allowInsecureRequests: true,
});
const headers = { authorization: "Bearer eyJhbGciOiJFUzM4NCJ9.payload.signature" };
const ours = smart.fetch,
  old = oldAF(smart);
const variants = { plain: () => fetch(url, { headers }), ours: () => ours(url), old: () => old(url) };
async function run(send, total, inFlight) {
  let next = 0;
  const c = process.cpuUsage();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < total) {
        const r = await send();
        await r.arrayBuffer();
      }
    }),
  );
  const u = process.cpuUsage(c);
  return (u.user + u.system) / total;
}
const res = { plain: [], ours: [], old: [] };
for (let r = 0; r < 10; r++)
  for (const [k, v] of r % 2 ? Object.entries(variants).reverse() : Object.entries(variants))
    res[k].push(await run(v, 2000, Number(process.argv[2])));
const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
console.log(
  process.argv[2],
  "client CPU us/request:",
  Object.entries(res)
    .map(([k, v]) => `${k} ${med(v).toFixed(1)}`)
    .join("  "),
);
child.kill();
