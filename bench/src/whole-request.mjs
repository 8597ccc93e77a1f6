// 7. Whole request: `auth.fetch(url)` (a SmartClient's authorized fetch, cached token) beside a plain `fetch(url,
// { headers: { authorization } })` with the same static header, against a keep-alive server on 127.0.0.1 in its
// own process; p50 latency and throughput, sequential and with 64 requests in flight. The sides take turns in
// short slots (ABCCBA, rotated), so drift on this shared machine falls on both; an A/A control (plain vs plain,
// same harness) runs in the same slots and shows what the harness itself reads as a difference.
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

const now = () => process.hrtime.bigint();
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];

/** One request through `send`, body read: microseconds. */
async function timed(send) {
  const t0 = now();
  const res = await send();
  await res.arrayBuffer();
  return Number(now() - t0) / 1000;
}

// Slot orders of a cycle: each side twice, mirrored (cancels a linear drift); rotated over three cycles, so each
// side takes each pair of positions once. 0 = ours, 1 = plain, 2 = plain again (the A/A control).
const ORDERS = [
  [0, 1, 2, 2, 1, 0],
  [1, 2, 0, 0, 2, 1],
  [2, 0, 1, 1, 0, 2],
];

/** Trimmed mean (10 % off each end) and the half-width of its ~95 % interval: robust to a cycle a stall hit. */
export function trimmed(xs, cut = 0.1) {
  const s = [...xs].sort((a, b) => a - b);
  const k = Math.floor(s.length * cut);
  const kept = s.slice(k, s.length - k);
  const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
  // winsorized variance, the usual spread estimate for a trimmed mean (Tukey-McLaughlin)
  const w = s.map((x) => Math.min(Math.max(x, kept[0]), kept.at(-1)));
  const wMean = w.reduce((a, b) => a + b, 0) / w.length;
  const wVar = w.reduce((a, b) => a + (b - wMean) ** 2, 0) / (w.length - 1);
  return { mean, ci: (2 * Math.sqrt(wVar)) / ((1 - 2 * cut) * Math.sqrt(s.length)) };
}

/**
 * Sequential: one request at a time on one keep-alive connection, the three sides taking turns request by
 * request. A cycle = an order of 6 requests x `repeat`; per side: p50 of its requests in the cycle and their
 * summed time (throughput = requests / summed time). No client CPU: getrusage cannot attribute 100 us at a time.
 */
async function sequentialCycle(sides, order, repeat) {
  const lat = sides.map(() => []);
  for (let r = 0; r < repeat; r++) for (const s of order) lat[s].push(await timed(sides[s]));
  // a stall from another process lands on one side at random: each time is capped at the cycle's 95th percentile
  const cap = quantile(lat.flat(), 0.95);
  return lat.map((l) => ({ p50: median(l), time: l.reduce((a, b) => a + Math.min(b, cap), 0) }));
}

/** `total` requests through `send`, `inFlight` at a time: p50 latency (us), wall time (us), client CPU (us). */
async function slot(send, total, inFlight) {
  const latencies = new Float64Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      latencies[i] = await timed(send);
    }
  };
  const cpu = process.cpuUsage();
  const t0 = now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const time = Number(now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  return { p50: median(latencies), time, cpu: used.user + used.system };
}

/** 64 in flight: each side in turn runs a slot of `perSlot` requests with `inFlight` workers (same pool, server). */
async function concurrentCycle(sides, order, perSlot, inFlight) {
  const acc = sides.map(() => ({ p50: 0, time: 0, cpu: 0 }));
  for (const s of order) {
    const r = await slot(sides[s], perSlot, inFlight);
    acc[s].p50 += r.p50 / 2;
    acc[s].time += r.time;
    acc[s].cpu += r.cpu;
  }
  return acc;
}

/** Per-cycle ratios of side `a` to side `b` (> 1: `a` slower): p50, time (= throughput, b / a), client CPU. */
function ratios(cycles, a, b) {
  // in logs: a mean of ratios that vary by 30 % reads about 1 + 0.3² even when the sides are alike (Jensen)
  const of = (f) => {
    const { mean, ci } = trimmed(cycles.map((c) => Math.log(f(c[a]) / f(c[b]))));
    return { mean: Math.exp(mean), ci: Math.exp(mean) * (Math.exp(ci) - 1) };
  };
  return { p50: of((x) => x.p50), rps: of((x) => x.time), cpu: "cpu" in cycles[0][a] ? of((x) => x.cpu) : undefined };
}

/**
 * Rows for sequential and 64 in flight. Each row: per side the median over cycles of p50 (us) and requests/s;
 * `ab` the trimmed geometric mean of the per-cycle ratios ours / plain (p50, time = throughput plain / ours,
 * client CPU; > 1 is slower) with its ~95 % half-width, `aa` the same for plain / plain. `authorizedFetch(auth)`
 * may be given to time another implementation (an older one, or a deliberately slower one: --sensitivity).
 */
export async function measureWholeRequest({
  sequentialPerSide = 100,
  sequentialCycles = 90,
  perSlot = 640,
  cycles = 45,
  warmup = 6,
  authorizedFetch,
  keepCycles = false,
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
    const ours = authorizedFetch ? authorizedFetch(smart, url) : smart.fetch;
    const init = { headers: { authorization: await smart.getAuthorization({ url, method: "GET" }) } };
    // two plain sides, built alike: the A/A control compares them exactly as ours is compared with plain
    const sides = [() => ours(url), () => fetch(url, init), () => fetch(url, init)];
    const rows = [];
    for (const [name, inFlight, count, requests, run] of [
      ["sequential", 1, sequentialCycles, sequentialPerSide, (o) => sequentialCycle(sides, o, sequentialPerSide / 2)],
      ["64 in flight", 64, cycles, perSlot * 2, (order) => concurrentCycle(sides, order, perSlot, 64)],
    ]) {
      if (count === 0) continue;
      for (let w = 0; w < warmup; w++) await run(ORDERS[w % 3]);
      const got = [];
      for (let i = 0; i < count; i++) got.push(await run(ORDERS[i % 3]));
      const side = (s) => ({
        p50: median(got.map((c) => c[s].p50)),
        rps: median(got.map((c) => requests / (c[s].time / 1e6))),
      });
      rows.push({
        name,
        inFlight,
        cycles: count,
        requests,
        ours: side(0),
        plain: side(1),
        ab: ratios(got, 0, 1),
        aa: ratios(got, 2, 1),
        ...(keepCycles ? { perCycle: got } : {}),
      });
    }
    return { perSlot, sequentialPerSide, rows };
  } finally {
    await server.close();
  }
}

/** Busy-waits `us` microseconds: a deliberately slower authorized fetch for --sensitivity and the test. */
export function busyWait(us) {
  const end = process.hrtime.bigint() + BigInt(Math.round(us * 1000));
  while (process.hrtime.bigint() < end);
}

// `node bench/src/whole-request.mjs`: row 7 alone. `--sensitivity`: also `auth.fetch` slowed by a 10 us busy wait
// and by 3 % of a plain request's sequential p50, to show the harness reads a real 3-5 % cost.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { loadavg } = await import("node:os");
  const { costSections, wholeRequestSummary } = await import("./cost-tables.mjs");
  const { table } = await import("./format.mjs");
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(", ");
  const print = (label, result) => {
    console.log(`\n### ${label} (load average ${load()})\n`);
    console.log(table(["measure", "@fhir-dsl", "beside", "ratio", "target", ""], wholeRequestSummary(result)));
    console.log();
    for (const line of costSections(result)) console.log(line);
  };
  console.log(`Load average at start: ${load()}.`);
  const asIs = await measureWholeRequest();
  print("auth.fetch as is", asIs);
  if (process.argv.includes("--sensitivity")) {
    const plainP50 = asIs.rows[0].plain.p50;
    for (const us of [10, Math.round(plainP50 * 0.03 * 10) / 10]) {
      const slowed = await measureWholeRequest({
        authorizedFetch: (smart) => (url) => (busyWait(us), smart.fetch(url)),
      });
      print(`auth.fetch + ${us} us busy wait per call`, slowed);
      for (const [i, row] of slowed.rows.entries()) {
        // expected rise over the as-is run: the wait over a plain request's time in this run (the load moves it);
        // at 64 in flight (client-bound) over 1 / throughput, for p50 too (Little's law: p50 ~ 64 / throughput)
        const rps = (us * row.plain.rps) / 1e6;
        const p50 = row.inFlight === 1 ? us / row.plain.p50 : rps;
        console.log(
          `${row.name}: p50 ratio ${asIs.rows[i].ab.p50.mean.toFixed(3)} -> ${row.ab.p50.mean.toFixed(3)} (expected +${p50.toFixed(3)}), throughput ratio ${asIs.rows[i].ab.rps.mean.toFixed(3)} -> ${row.ab.rps.mean.toFixed(3)} (expected +${rps.toFixed(3)} if the client is the bottleneck)`,
        );
      }
    }
  }
  console.log(`\nLoad average at end: ${load()}.`);
}
