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

/** Stable codes of `SmartClient.grantIssues` (checklist E1), snake_case like every error code. */
export const GrantIssueCode = {
  /** `patient/` scopes were granted without a `patient` in the launch context. */
  PatientScopesWithoutPatient: "patient_scopes_without_patient",
  /** A refresh returned scopes beyond the original grant (a server bug, checklist 2.56); `scopes` lists them. */
  RefreshWidenedGrant: "refresh_widened_grant",
  /** The refreshed grant was too large or too costly to compare with the original grant (SECURITY.md F15). */
  GrantNotCompared: "grant_not_compared",
} as const;
export type GrantIssueCode = (typeof GrantIssueCode)[keyof typeof GrantIssueCode];

/** One problem of a grant: a code to branch on, a message to show, and the scopes it is about when there are some. */
export interface GrantIssue {
  code: GrantIssueCode;
  message: string;
  scopes?: string[];
}

/**
 * The issues of a grant, given its contexts, its patient and what a refresh added beyond the original (see widenedBeyond).
 * Codes are literals here, not `GrantIssueCode.*` reads, so the constant object stays out of bundles that do not import it.
 */
export function grantIssuesOf(
  contexts: readonly string[],
  patientId: string | undefined,
  widened: string[] | undefined,
): GrantIssue[] {
  const issues: GrantIssue[] = [];
  if (contexts.includes("patient") && patientId === undefined) {
    issues.push({
      code: "patient_scopes_without_patient",
      message: "patient scopes granted without a patient in context",
    });
  }
  if (widened === undefined) {
    issues.push({
      code: "grant_not_compared",
      message: "refreshed grant not compared with the original grant: too large to compare",
    });
  } else if (widened.length > 0) {
    issues.push({
      code: "refresh_widened_grant",
      message: `refresh widened the grant: ${widened.join(" ")}`,
      scopes: widened,
    });
  }
  return issues;
}
