// Markdown tables, so the output pastes into BENCHMARKS.md as is.
export function table(headers, rows, align = []) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c).replaceAll("|", "\\|")));
  const widths = headers.map((_, i) => Math.max(3, ...cells.map((r) => r[i].length)));
  const line = (r) =>
    `| ${r.map((c, i) => (align[i] === "r" ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (align[i] === "r" ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join("\n");
}

export const kB = (bytes) => `${(bytes / 1000).toFixed(2)} kB`;
export const MB = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`;
export const fixed = (n, d = 0) => n.toFixed(d);
export const verdict = (ok) => (ok ? "ok" : "MISSED");
