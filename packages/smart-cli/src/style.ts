import type { CliIo } from "./io.js";

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;
export type Paint = Record<keyof typeof CODES, (text: string) => string>;

/** Colours only on a terminal and never with NO_COLOR (https://no-color.org) or --no-color/--json. */
export function painter(io: CliIo, enabled: boolean): Paint {
  const on = enabled && io.isTTY && !io.env.NO_COLOR;
  const paint = {} as Paint;
  for (const [name, [open, close]] of Object.entries(CODES)) {
    paint[name as keyof Paint] = on ? (text) => `\u001b[${open}m${text}\u001b[${close}m` : (text) => text;
  }
  return paint;
}

/** A progress line on stderr while a promise runs, only on a terminal; nothing otherwise. */
export async function withSpinner<T>(io: CliIo, enabled: boolean, label: string, work: Promise<T>): Promise<T> {
  if (!enabled || !io.isTTY) return work;
  const frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
  let i = 0;
  const timer = setInterval(() => io.stderr(`\r${frames[i++ % frames.length]} ${label}`), 80);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    io.stderr(`\r${" ".repeat(label.length + 2)}\r`);
  }
}

/** Pads columns of a table of strings (ANSI codes not counted). */
export function table(rows: string[][], indent = "  "): string {
  const width = (s: string) => s.replace(/\u001b\[\d+m/g, "").length;
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
  return rows
    .map(
      (row) =>
        indent +
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - width(cell))))
          .join("  "),
    )
    .join("\n");
}

/** "in 4 minutes", "3 hours ago": a duration in words, from seconds. */
export function relative(seconds: number): string {
  const abs = Math.abs(seconds);
  const units: [number, string][] = [
    [86_400, "day"],
    [3600, "hour"],
    [60, "minute"],
    [1, "second"],
  ];
  const found = units.findIndex(([s]) => abs >= s);
  let i = found < 0 ? units.length - 1 : found;
  // 3,599 s would round to "60 minutes": a count that reaches the next unit is said in that unit ("1 hour")
  if (i > 0 && Math.round(abs / units[i]![0]) * units[i]![0] >= units[i - 1]![0]) i--;
  const [size, unit] = units[i]!;
  const n = Math.round(abs / size);
  const words = `${n} ${unit}${n === 1 ? "" : "s"}`;
  return seconds >= 0 ? `in ${words}` : `${words} ago`;
}

/** An epoch-seconds claim as ISO time plus words: "2026-12-03T10:05:00Z (in 5 minutes)". */
export function when(epochSeconds: number, nowMs: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().replace(".000Z", "Z")} (${relative(epochSeconds - Math.floor(nowMs / 1000))})`;
}
