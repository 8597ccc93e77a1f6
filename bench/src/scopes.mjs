// 9. Scope parsing and comparison (issue 22; SECURITY.md F7, F15). `pnpm bench` takes the rows from
// measureScopes(); `node bench/src/scopes.mjs` (after `pnpm build`) prints them, then the comparison cost table
// (n + n granular scopes, and crafted sets that stop at the comparison budget).
import { execFileSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { diffScopes, parseScope, ScopeComparisonError } from "@fhir-dsl/smart-scopes";
import { fixed, table, verdict } from "./format.mjs";
import { median } from "./services.mjs";

const TYPES = [
  "Observation",
  "Patient",
  "Condition",
  "MedicationRequest",
  "Encounter",
  "AllergyIntolerance",
  "Procedure",
  "Immunization",
  "DiagnosticReport",
  "DocumentReference",
];
const CATEGORIES = [
  "laboratory",
  "vital-signs",
  "http://terminology.hl7.org/CodeSystem/observation-category|social-history",
];
const IDENTITY = ["openid", "fhirUser", "offline_access", "launch", "launch/patient", "launch/encounter"];

/** A seeded generator in [0, 1), so every run parses the same strings. */
const random = (seed) => {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
};

/** `count` realistic grants: 10-30 scopes each, about 30% v1, 30% v2, 25% granular, 15% identity and launch. */
export function realisticScopeStrings(count, seed = 7) {
  const next = random(seed);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const scope = () => {
    const r = next();
    const prefix = `${pick(["patient", "user", "system"])}/${pick(TYPES)}`;
    if (r < 0.3) return `${prefix}.${pick(["read", "write", "*"])}`;
    if (r < 0.6) return `${prefix}.${pick(["rs", "cruds", "r", "cud", "s"])}`;
    if (r < 0.85) return `${prefix}.rs?category=${pick(CATEGORIES)}`;
    return pick(IDENTITY);
  };
  return Array.from({ length: count }, () => Array.from({ length: 10 + Math.floor(next() * 21) }, scope).join(" "));
}

// The baseline: split on " " and one regex per scope, the way a hand-written parser reads resource scopes
// (context, type, letters, params), without the v1 words, the launch and identity kinds or any validation.
const PLAIN = /^(patient|user|system)\/([^.]+)\.([a-z*]+)(?:\?(.*))?$/;
export const plainParse = (scope) =>
  scope.split(" ").map((raw) => {
    const m = PLAIN.exec(raw);
    if (!m) return { raw };
    return {
      raw,
      context: m[1],
      resource: m[2],
      permissions: m[3].split(""),
      params: m[4] ? m[4].split("&").map((p) => p.split("=")) : [],
    };
  });

const timeAll = (parse, strings) => {
  const started = performance.now();
  for (const s of strings) parse(s);
  return performance.now() - started;
};

/** n + n `patient/Observation.rs?category=…` sharing one context and type, none in common (every scope is missing, added and looked up for overlaps). */
export const granularScopes = (n, tag) =>
  Array.from({ length: n }, (_, i) => `patient/Observation.rs?category=${tag}${i}`).join(" ");

/**
 * Parse: `parseScope` and `plainParse` over the same realistic strings, `rounds` paired rounds alternating which
 * goes first; medians of strings/s and of the per-round time ratio (ours / plain: > 1 is slower).
 * diffScopes: n + n granular scopes at each of `sizes`, best of `diffRuns` (after 3 warm-up runs), beside parsing both
 * strings (best of as many runs): for CPU-bound work on a shared machine the fastest run is the stable figure.
 */
export function measureScopes({ strings = 2_000, rounds = 31, warmup = 5, sizes = [1_000, 4_000], diffRuns = 9 } = {}) {
  const grants = realisticScopeStrings(strings);
  const scopesPerString = grants.reduce((n, s) => n + parseScope(s).scopes.length, 0) / grants.length;
  const ours = [];
  const plain = [];
  const ratios = [];
  for (let round = -warmup; round < rounds; round++) {
    const oursFirst = round % 2 === 0;
    const before = oursFirst ? timeAll(parseScope, grants) : timeAll(plainParse, grants);
    const after = oursFirst ? timeAll(plainParse, grants) : timeAll(parseScope, grants);
    const [a, b] = oursFirst ? [before, after] : [after, before];
    if (round < 0) continue;
    ours.push(a);
    plain.push(b);
    ratios.push(a / b);
  }
  const perSecond = (ms) => (grants.length / ms) * 1000;
  const parse = {
    strings: grants.length,
    scopesPerString,
    rounds,
    oursPerSecond: perSecond(median(ours)),
    plainPerSecond: perSecond(median(plain)),
    ratio: median(ratios),
  };
  const diff = sizes.map((n) => {
    const [requested, granted] = [granularScopes(n, "a"), granularScopes(n, "b")];
    const diffMs = [];
    const parseMs = [];
    // 3 warm-up runs: the first size otherwise times the JIT compiling the index
    for (let run = -2; run <= diffRuns; run++) {
      const started = performance.now();
      const result = diffScopes(requested, granted);
      if (run > 0) diffMs.push(performance.now() - started);
      if (result.missing.length !== n || result.added.length !== n)
        throw new Error(`diffScopes ${n} + ${n}: wrong answer`);
    }
    // parsed in a loop of their own, so the garbage of a comparison is not collected on the parse's clock
    for (let run = -2; run <= diffRuns; run++) {
      const started = performance.now();
      parseScope(requested);
      parseScope(granted);
      if (run > 0) parseMs.push(performance.now() - started);
    }
    const [ms, bothMs] = [Math.min(...diffMs), Math.min(...parseMs)];
    return { n, runs: diffRuns, ms, parseMs: bothMs, usPerScope: (ms * 1000) / (2 * n), ratio: ms / bothMs };
  });
  const growth = diff.length > 1 ? diff.at(-1).ms / diff[0].ms : undefined;
  return { parse, diff, growth, growthScopes: diff.length > 1 ? diff.at(-1).n / diff[0].n : undefined };
}

const int = (n) => Math.round(n).toLocaleString("en");

/** Summary rows: parse speed beside split-and-parse, and diffScopes growth from the smallest to the largest set. */
export function scopeSummary({ parse, diff, growth, growthScopes }) {
  const rows = [
    [
      "scope strings parsed (10-30 scopes: v1, v2, granular)",
      `${int(parse.oursPerSecond)} /s`,
      `split + regex per scope ${int(parse.plainPerSecond)} /s`,
      `${fixed(parse.ratio, 2)}x`,
      "<= 1.0x (time)",
      verdict(parse.ratio <= 1),
    ],
  ];
  if (growth !== undefined) {
    const sizes = diff.map((d) => `${int(d.n)} + ${int(d.n)}`).join(" / ");
    // per-scope time at most 2x from the smallest to the largest set: a pairwise (quadratic) comparison gives 4x for 4x
    rows.push([
      `diffScopes, granular, ${sizes}`,
      diff.map((d) => `${fixed(d.ms, 1)} ms`).join(" / "),
      `parsing both: ${diff.map((d) => `${fixed(d.parseMs, 1)} ms`).join(" / ")}`,
      `${fixed(growth, 1)}x for ${growthScopes}x scopes`,
      `near-linear (<= ${growthScopes * 2}x)`,
      verdict(growth <= growthScopes * 2),
    ]);
  }
  return rows;
}

/** The section as markdown lines. */
export function scopeSection({ parse, diff }) {
  return [
    `## 9. Scope parsing and diffScopes (\`@fhir-dsl/smart-scopes\`; parse: ${parse.rounds} paired rounds, medians; diffScopes: best of ${diff[0]?.runs} runs)`,
    "",
    table(
      ["", "strings", "scopes per string", "parseScope /s", "split + regex /s", "time ratio (ours / plain)"],
      [
        [
          "realistic grants (v1, v2, granular, identity)",
          int(parse.strings),
          fixed(parse.scopesPerString, 1),
          int(parse.oursPerSecond),
          int(parse.plainPerSecond),
          `${fixed(parse.ratio, 2)}x`,
        ],
      ],
      ["", "r", "r", "r", "r", "r"],
    ),
    "",
    'Baseline: `scope.split(" ")` and one regex per scope (context, type, letters, `&`/`=` params), without the v1 words, launch and identity kinds or any validation.',
    "",
    table(
      [
        "diffScopes, n + n granular scopes, none in common",
        "ms",
        "us per scope",
        "parsing both strings, ms",
        "ratio (diff / parse)",
      ],
      diff.map((d) => [
        `${int(d.n)} + ${int(d.n)}`,
        fixed(d.ms, 1),
        fixed(d.usPerScope, 2),
        fixed(d.parseMs, 1),
        `${fixed(d.ratio, 1)}x`,
      ]),
      ["", "r", "r", "r", "r"],
    ),
  ];
}

/** Crafted sets: restriction sets that nest everywhere, which stop at the comparison budget. */
const crafted = (n, perms, seed) => {
  const next = random(seed);
  return Array.from({ length: n }, () => {
    const params = new Set();
    while (params.size < 10) params.add(`p${Math.floor(next() * 20)}=v`);
    return `patient/Observation.${perms}?${[...params].join("&")}`;
  }).join(" ");
};
const best = (f, runs = 7) => {
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    f();
    least = Math.min(least, performance.now() - started);
  }
  return least.toFixed(1);
};
const stopped = (f) => () => {
  try {
    f();
  } catch (error) {
    if (!ScopeComparisonError.is(error)) throw error;
  }
};

/** The comparison cost table: best of 7 runs each, in ms. */
function costTable() {
  const rows = [];
  for (const n of [1_000, 2_000, 4_000, 8_000]) {
    const [a, b] = [granularScopes(n, "a"), granularScopes(n, "b")];
    const [ca, cb] = [crafted(n, "rs", 1), crafted(n, "cud", 2)];
    rows.push([
      `${n} + ${n}`,
      best(() => (parseScope(a), parseScope(b))),
      best(() => diffScopes(a, b)),
      best(() => parseScope(b).covers(`${a} ${b}`)),
      best(
        stopped(() => diffScopes(ca, cb)),
        3,
      ),
    ]);
  }
  return table(["n + n", "parse both", "diffScopes (strings)", "covers", "crafted n + n (stops at the budget)"], rows, [
    "",
    "r",
    "r",
    "r",
    "r",
  ]);
}

/**
 * measureScopes in a fresh node process: the JIT and heap state other sections leave behind in the bench process
 * (GC pressure from the heap-per-session runs, polymorphic call sites) skews a ratio of two microbenchmarks.
 */
export function measureScopesInChild(options = {}) {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--json", JSON.stringify(options)], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(out);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href && process.argv[2] === "--json") {
  process.stdout.write(JSON.stringify(measureScopes(JSON.parse(process.argv[3] ?? "{}"))));
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const result = measureScopes();
  for (const line of [
    ...scopeSection(result),
    "",
    table(["measure", "@fhir-dsl", "beside", "ratio", "target", ""], scopeSummary(result)),
    "",
    costTable(),
  ])
    console.log(line);
}
