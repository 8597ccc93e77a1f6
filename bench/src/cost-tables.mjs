// Sections 7 and 8 of the bench (issue 22: cost per request and per session at scale), as summary rows and
// tables; shared by run.mjs (`pnpm bench`) and cost-run.mjs (these rows and the hot path only).
import { fixed, table, verdict } from "./format.mjs";

const int = (n) => Math.round(n).toLocaleString("en");

const x = (r, d = 3) => `${fixed(r.mean, d)}x`;
const pm = (r) => `${x(r)} ±${fixed(r.ci, 3)}`;

/**
 * ok when the ratio's ~95 % interval is under the target, MISSED when it is above, else "unresolved": the
 * machine was too noisy in this run to tell (its A/A control shows the same spread).
 */
function within(target, ...rs) {
  if (rs.every((r) => r.mean + r.ci <= target)) return "ok";
  if (rs.some((r) => r.mean - r.ci > target)) return "MISSED";
  return "unresolved";
}

/** Summary rows of section 7: ours / plain (p50 / throughput), the A/A control beside it. */
export function wholeRequestSummary(wholeRequest) {
  return wholeRequest.rows.map((r) => [
    `whole request vs plain fetch, ${r.name} (p50 / throughput)`,
    `${fixed(r.ours.p50)} us / ${int(r.ours.rps)} req/s`,
    `${fixed(r.plain.p50)} us / ${int(r.plain.rps)} req/s`,
    `${x(r.ab.p50)} / ${x(r.ab.rps)} (A/A ${x(r.aa.p50)} / ${x(r.aa.rps)})`,
    "<= 1.03x",
    within(1.03, r.ab.p50, r.ab.rps),
  ]);
}

/** Summary rows: whole request vs plain fetch (p50 and throughput), heap and timers at scale. */
export function costSummary(wholeRequest, sessionMemory) {
  const rows = wholeRequestSummary(wholeRequest);
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

/** The two sections as markdown lines (section 8 only when `sessionMemory` is given). */
export function costSections(wholeRequest, sessionMemory) {
  const out = [];
  out.push(
    `## 7. Whole request: \`auth.fetch(url)\` vs \`fetch(url, { headers: { authorization } })\`, keep-alive server on 127.0.0.1 (sides take turns; trimmed geometric means of per-cycle ratios, ±: ~95 % interval; A/A: plain vs plain, same turns)`,
  );
  out.push("");
  out.push(
    table(
      [
        "",
        "cycles x requests per side",
        "auth.fetch p50 us",
        "plain fetch p50 us",
        "p50 ratio",
        "A/A p50",
        "auth.fetch req/s",
        "plain fetch req/s",
        "throughput ratio (plain / ours)",
        "A/A throughput",
        "client CPU ratio",
        "A/A CPU",
      ],
      wholeRequest.rows.map((r) => [
        r.name,
        `${r.cycles} x ${int(r.requests)}`,
        fixed(r.ours.p50, 1),
        fixed(r.plain.p50, 1),
        pm(r.ab.p50),
        pm(r.aa.p50),
        int(r.ours.rps),
        int(r.plain.rps),
        pm(r.ab.rps),
        pm(r.aa.rps),
        r.ab.cpu ? pm(r.ab.cpu) : "-",
        r.aa.cpu ? pm(r.aa.cpu) : "-",
      ]),
      ["", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
    ),
  );
  if (!sessionMemory) return out;
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
