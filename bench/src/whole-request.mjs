// 7. Whole request: `auth.fetch(url)` (a SmartClient's authorized fetch, cached token) beside a plain `fetch(url,
// { headers: { authorization } })` with the same static header, against a keep-alive server on 127.0.0.1 in its
// own process; p50 latency and throughput, sequential and with 64 requests in flight. Rounds alternate the order.
import { fork } from "node:child_process";
import { once } from "node:events";
import { SmartClient } from "@fhir-dsl/smart";
import { median } from "./services.mjs";

async function startServer() {
  const child = fork(new URL("./loopback-server-process.mjs", import.meta.url), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const [{ port }] = await once(child, "message");
  return { url: `http://127.0.0.1:${port}`, close: () => (child.send("close"), once(child, "exit")) };
}

/** `total` requests through `send`, `inFlight` at a time: p50 latency (us) and requests per second. */
async function run(send, total, inFlight) {
  const latencies = new Float64Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      const res = await send();
      await res.arrayBuffer();
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1000;
    }
  };
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  // client CPU per request: what the wrapper costs, less sensitive than wall time to other load on the machine
  return { p50: median([...latencies]), rps: total / seconds, cpuUs: (used.user + used.system) / total };
}

/**
 * Rows for sequential and 64 in flight: medians over `rounds` of p50 (us) and requests/s for each side,
 * and the median of the per-round ratios (ours / plain for p50, plain / ours for throughput: > 1 is slower).
 * `authorizedFetch(auth)` may be given to time another implementation (e.g. an older one).
 */
export async function measureWholeRequest({
  sequential = 2_000,
  concurrent = 6_400,
  rounds = 15,
  warmup = 2,
  authorizedFetch,
} = {}) {
  const server = await startServer();
  try {
    const base = `${server.url}/fhir`;
    const smart = new SmartClient({
      smartConfig: {
        token_endpoint: `${server.url}/token`,
        capabilities: [],
        code_challenge_methods_supported: ["S256"],
      },
      fhirBaseUrl: base,
      clientId: "bench",
      tokens: { access_token: "eyJhbGciOiJFUzM4NCJ9.payload.signature", token_type: "Bearer", expires_in: 3600 },
      allowInsecureRequests: true,
    });
    const url = `${base}/Patient/123`;
    const ours = authorizedFetch ? authorizedFetch(smart) : smart.fetch;
    const init = { headers: { authorization: await smart.getAuthorization({ url, method: "GET" }) } };
    const sides = { ours: () => ours(url), plain: () => fetch(url, init) };
    const rows = [];
    for (const [name, total, inFlight] of [
      ["sequential", sequential, 1],
      ["64 in flight", concurrent, 64],
    ]) {
      for (let w = 0; w < warmup; w++) for (const send of Object.values(sides)) await run(send, total, inFlight);
      const r = { ours: [], plain: [], p50Ratio: [], rpsRatio: [], cpuRatio: [] };
      for (let i = 0; i < rounds; i++) {
        const order = i % 2 ? ["ours", "plain"] : ["plain", "ours"];
        const got = {};
        for (const side of order) got[side] = await run(sides[side], total, inFlight);
        r.ours.push(got.ours);
        r.plain.push(got.plain);
        r.p50Ratio.push(got.ours.p50 / got.plain.p50);
        r.rpsRatio.push(got.plain.rps / got.ours.rps);
        r.cpuRatio.push(got.ours.cpuUs / got.plain.cpuUs);
      }
      rows.push({
        name,
        requests: total,
        inFlight,
        oursP50: median(r.ours.map((x) => x.p50)),
        plainP50: median(r.plain.map((x) => x.p50)),
        oursRps: median(r.ours.map((x) => x.rps)),
        plainRps: median(r.plain.map((x) => x.rps)),
        p50Ratio: median(r.p50Ratio),
        rpsRatio: median(r.rpsRatio),
        oursCpuUs: median(r.ours.map((x) => x.cpuUs)),
        plainCpuUs: median(r.plain.map((x) => x.cpuUs)),
        cpuRatio: median(r.cpuRatio),
      });
    }
    return { rounds, rows };
  } finally {
    await server.close();
  }
}
