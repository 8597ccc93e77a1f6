import { diffScopes, ScopeComparisonError } from "@fhir-dsl/smart-scopes";

/**
 * The StoredToken member holding the scope of the original grant (the first token of the session, or the
 * requested scope when that token had none, RFC 6749 §5.1). Persisted with the token so that a refresh
 * is compared with the original grant after a restart too; never taken from a server's response.
 */
export const ORIGINAL_SCOPE = "original_scope";

/** Longest scope string compared on a refresh (per side): parsing and comparing it stays within ~50 ms (SECURITY.md F15). */
export const MAX_COMPARED_SCOPE_LENGTH = 256 * 1024;
/** Work units one refresh comparison may spend (smart-scopes' budget): some 10 ms. */
export const REFRESH_COMPARISON_BUDGET = 100_000;

/**
 * The granted tokens of `scope` beyond the `original` grant (SMART 2.2 app-launch.html#response-7: a
 * refreshed scope is the original or a subset, checklist 2.56, E1), or `undefined` when the strings are
 * too large or too costly to compare: not compared, never "nothing widened".
 */
export function widenedBeyond(original: string, scope: string): string[] | undefined {
  if (original === scope) return [];
  if (original.length > MAX_COMPARED_SCOPE_LENGTH || scope.length > MAX_COMPARED_SCOPE_LENGTH) return undefined;
  try {
    return diffScopes(original, scope, { budget: REFRESH_COMPARISON_BUDGET }).added;
  } catch (error) {
    if (ScopeComparisonError.is(error)) return undefined;
    throw error;
  }
}
