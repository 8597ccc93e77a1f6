// Sections 7 and 8 of the bench (issue 22: cost per request and per session at scale), as summary rows and
// tables; shared by run.mjs (`pnpm bench`) and cost-run.mjs (these rows and the hot path only).
import { fixed, table, verdict } from "./format.mjs";

const int = (n) => Math.round(n).toLocaleString("en");

/** Summary rows: whole request vs plain fetch (worst of p50 and throughput), heap and timers at scale. */
export function costSummary(wholeRequest, sessionMemory) {
  const rows = [];
  for (const r of wholeRequest.rows) {
    const worst = Math.max(r.p50Ratio, r.rpsRatio);
    rows.push([
      `whole request vs plain fetch, ${r.name} (p50 / throughput)`,
      `${fixed(r.oursP50)} us / ${int(r.oursRps)} req/s`,
      `${fixed(r.plainP50)} us / ${int(r.plainRps)} req/s`,
      `${fixed(r.p50Ratio, 3)}x / ${fixed(r.rpsRatio, 3)}x`,
      "<= 1.03x",
      verdict(worst <= 1.03),
    ]);
  }
  for (const kind of ["session", "backend"]) {
    const rs = sessionMemory.rows.filter((r) => r.kind === kind);
    const limit = kind === "session" ? 2_048 : 4_096;
    const label = kind === "session" ? "SmartClient session" : "BackendServicesAuth";
    rows.push([
      `heap per ${label} at ${rs.map((r) => int(r.count)).join(" / ")}`,
      rs.map((r) => `${int(r.bytesPer)} B`).join(" / "),
      "",
      "",
      `<= ${limit / 1024} KB, flat`,
      verdict(rs.every((r) => r.bytesPer <= limit)),
    ]);
    rows.push([
      `pending timers, ${rs.map((r) => int(r.count)).join(" / ")} ${kind === "session" ? "sessions" : "providers"}`,
      rs.map((r) => r.timers).join(" / "),
      "",
      "",
      "1",
      verdict(rs.every((r) => r.timers <= 1)),
    ]);
  }
  return rows;
}

/** The two sections as markdown lines. */
export function costSections(wholeRequest, sessionMemory) {
  const out = [];
  out.push(
    `## 7. Whole request: \`auth.fetch(url)\` vs \`fetch(url, { headers: { authorization } })\`, keep-alive server on 127.0.0.1 (${wholeRequest.rounds} rounds, medians)`,
  );
  out.push("");
  out.push(
    table(
      [
        "",
        "requests per round",
        "auth.fetch p50 us",
        "plain fetch p50 us",
        "p50 ratio",
        "auth.fetch req/s",
        "plain fetch req/s",
        "throughput ratio (plain / ours)",
        "client CPU us/req (ours / plain)",
        "CPU ratio",
      ],
      wholeRequest.rows.map((r) => [
        r.name,
        int(r.requests),
        fixed(r.oursP50, 1),
        fixed(r.plainP50, 1),
        `${fixed(r.p50Ratio, 3)}x`,
        int(r.oursRps),
        int(r.plainRps),
        `${fixed(r.rpsRatio, 3)}x`,
        `${fixed(r.oursCpuUs, 1)} / ${fixed(r.plainCpuUs, 1)}`,
        `${fixed(r.cpuRatio, 3)}x`,
      ]),
      ["", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
    ),
  );
  out.push("");
  out.push(
    `## 8. Heap and pending timers per object, a cached one-hour token each, store entry excluded (${sessionMemory.repeats} processes per count, medians)`,
  );
  out.push("");
  out.push(
    table(
      ["objects", "count", "heap bytes per object", "runs", "pending timers (whole process)"],
      sessionMemory.rows.map((r) => [
        r.kind === "session" ? "SmartClient session" : "BackendServicesAuth",
        int(r.count),
        int(r.bytesPer),
        r.runs.map(int).join(", "),
        r.timers,
      ]),
      ["", "r", "r", "r", "r"],
    ),
  );
  return out;
}
