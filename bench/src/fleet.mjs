// 3. Cross-process stampede: N node processes share one client config and a RedisTokenStore; the sandbox
// issues short-lived tokens; token requests are grouped into renewal bursts (one burst per expiry).
import { fork } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchSandbox } from "./services.mjs";

const worker = join(dirname(fileURLToPath(import.meta.url)), "fleet-worker.mjs");

/**
 * `processes` workers for `expiries` token lifetimes of `lifetimeSeconds`, against a sandbox of its own.
 * Token requests are sampled every 5 ms and grouped into bursts separated by > half a renewal period.
 */
export async function measureFleet({ keys, redisUrl, processes = 8, lifetimeSeconds = 3, expiries = 4 }) {
  const bench = await benchSandbox(keys, { accessTokenLifetimeSeconds: lifetimeSeconds });
  const clientId = await bench.addClient("fleet");
  const config = {
    fhirBaseUrl: bench.sandbox.fhirBaseUrl,
    clientId,
    scope: "system/Patient.rs",
    privateJwk: keys.privateJwk,
    redisUrl,
    keyPrefix: `bench-fleet:${process.pid}:${Date.now()}:`,
  };
  const children = Array.from({ length: processes }, () =>
    fork(worker, [], {
      env: { ...process.env, BENCH_FLEET_CONFIG: JSON.stringify(config) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  try {
    await Promise.all(children.map((c) => waitFor(c, "ready")));
    const samples = [];
    let last = bench.sandbox.stats.tokenRequests;
    const sampler = setInterval(() => {
      const now = bench.sandbox.stats.tokenRequests;
      if (now !== last) samples.push({ at: performance.now(), count: now - last });
      last = now;
    }, 5);
    const start = performance.now();
    for (const c of children) c.send("go");
    // the cold start, then `expiries` renewals (at expires_at - lifetime/4, TokenManager's default cap);
    // stop half a period after the last expected burst
    const renewEveryMs = lifetimeSeconds * 750;
    const deadline = start + renewEveryMs * (expiries + 2) + 5_000;
    while (performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const burstStarts = samples.filter((s, i) => i === 0 || s.at - samples[i - 1].at > renewEveryMs / 2);
      if (burstStarts.length >= expiries + 1 && performance.now() - burstStarts.at(-1).at > renewEveryMs / 2) break;
    }
    const results = await Promise.all(children.map((c) => (c.send("stop"), waitFor(c, "done"))));
    clearInterval(sampler);
    const total = bench.sandbox.stats.tokenRequests;
    if (total !== last) samples.push({ at: performance.now(), count: total - last });
    const bursts = [];
    for (const s of samples) {
      const lastBurst = bursts.at(-1);
      if (lastBurst && s.at - lastBurst.end <= renewEveryMs / 2) {
        lastBurst.requests += s.count;
        lastBurst.end = s.at;
      } else bursts.push({ startMs: s.at - start, end: s.at, requests: s.count });
    }
    const distinctTokens = new Set(results.flatMap((r) => r.tokens.map((t) => t.id))).size;
    return {
      processes,
      lifetimeSeconds,
      durationMs: performance.now() - start,
      tokenRequests: total,
      bursts: bursts.map((b) => ({ atMs: Math.round(b.startMs), requests: b.requests })),
      perExpiry: bursts.slice(1).map((b) => b.requests),
      coldStart: bursts[0]?.requests ?? 0,
      distinctTokens,
      calls: results.reduce((n, r) => n + r.calls, 0),
      errors: results.reduce((n, r) => n + r.errors, 0),
      errorCodes: results.reduce((all, r) => {
        for (const [k, v] of Object.entries(r.errorCodes)) all[k] = (all[k] ?? 0) + v;
        return all;
      }, {}),
    };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
    await Promise.all(
      children.map((c) => (c.exitCode === null && c.signalCode === null ? once(c, "exit") : undefined)),
    );
    await bench.close();
  }
}

function waitFor(child, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m?.type === type) {
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(m);
      }
    };
    const onExit = (code) => reject(new Error(`fleet worker exited with ${code} before "${type}"`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}
