// `node bench/src/scopes.mjs` (after `pnpm build`): the cost of comparing granular scope sets (SECURITY.md F7, F15).
// Honest sets: n + n `patient/Observation.rs?category=…` sharing one context and type, none in common (every
// scope is missing, added and looked up for overlaps). Crafted sets: restriction sets that nest everywhere, which
// stop at the comparison budget. Best of 7 runs each, in ms.
import { diffScopes, parseScope, ScopeComparisonError } from "@fhir-dsl/smart-scopes";

const granular = (n, tag) => Array.from({ length: n }, (_, i) => `patient/Observation.rs?category=${tag}${i}`).join(" ");
const crafted = (n, perms, seed) => {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
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

console.log("| n + n | parse both | diffScopes (strings) | covers | crafted n + n (stops at the budget) |");
console.log("|---|---|---|---|---|");
for (const n of [1_000, 2_000, 4_000, 8_000]) {
  const [a, b] = [granular(n, "a"), granular(n, "b")];
  const [ca, cb] = [crafted(n, "rs", 1), crafted(n, "cud", 2)];
  const row = [best(() => (parseScope(a), parseScope(b))), best(() => diffScopes(a, b)), best(() => parseScope(b).covers(a + " " + b)), best(stopped(() => diffScopes(ca, cb)), 3)];
  console.log(`| ${n} + ${n} | ${row.join(" | ")} |`);
}
