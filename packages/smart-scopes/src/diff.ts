import { type Budget, budgetOf, type ComparisonOptions } from "./limits.js";
import { ScopeIndex } from "./scope-index.js";
import { type ScopeSet, toScopeSet } from "./scope-set.js";
import type { ParsedScope } from "./types.js";

/** What a server granted relative to what was requested (checklist 3.12, E1). Lists hold tokens as written. */
export interface ScopeDiff {
  requested: ScopeSet;
  granted: ScopeSet;
  /** Requested tokens the grant does not fully cover (includes every `narrowed` token). */
  missing: string[];
  /** Granted tokens no request covers (includes every `widened` token). */
  added: string[];
  /** Requested resource scopes granted only in part: fewer permissions, fewer types, or extra granular params. */
  narrowed: string[];
  /** Granted resource scopes reaching beyond an overlapping request: more permissions, types, or fewer params. */
  widened: string[];
  /** The grant equals the request as a set of permissions: `missing` and `added` are empty. */
  unchanged: boolean;
}

const raws = (scopes: readonly ParsedScope[]): string[] => [...new Set(scopes.map((s) => s.raw))];

/** The tokens of `from` that `to` does not cover, and those of them that `to` covers in part. */
function compare(from: readonly ParsedScope[], to: readonly ParsedScope[], budget: Budget): [string[], string[]] {
  const index = new ScopeIndex(to, budget);
  const uncovered = from.filter((p) => !index.covers(p));
  return [raws(uncovered), raws(uncovered.filter((p) => index.overlaps(p)))];
}

/**
 * Compares a requested scope string with the granted one. Scopes are unions (`.rs` + `.cud` equals `.cruds`),
 * v1 and v2 spellings are equal, `*` covers every type, and a granular scope is narrower than its plain form.
 * Near-linear for honest grants; throws ScopeComparisonError (not compared) when the sets would cost more than
 * `options.budget` work units in all (SECURITY.md F15).
 */
export function diffScopes(
  requested: string | ScopeSet,
  granted: string | ScopeSet,
  options?: ComparisonOptions,
): ScopeDiff {
  const req = toScopeSet(requested, "diffScopes");
  const got = toScopeSet(granted, "diffScopes");
  const budget = budgetOf(options, "diffScopes", req.scopes.length + got.scopes.length);
  const [missing, narrowed] = compare(req.scopes, got.scopes, budget);
  const [added, widened] = compare(got.scopes, req.scopes, budget);
  return {
    requested: req,
    granted: got,
    missing,
    added,
    narrowed,
    widened,
    unchanged: !missing.length && !added.length,
  };
}
