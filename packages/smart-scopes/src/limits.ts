const MARK = Symbol.for("@fhir-dsl/smart-scopes.ScopeComparisonError");

/**
 * Work units (candidate lookups, ~50-100 ns each) a comparison may spend before it gives up, plus
 * `BUDGET_PER_SCOPE` for each scope compared: the cost of any comparison is linear in its input.
 */
export const DEFAULT_COMPARISON_BUDGET = 100_000;
/** Work units allowed per scope compared, on top of the base: honest grants spend 2-20 per scope. */
export const BUDGET_PER_SCOPE = 32;

/** Options of a scope comparison (`covers`, `diffScopes`). */
export interface ComparisonOptions {
  /**
   * Work units the comparison may spend (default 100,000 plus 32 per scope compared: 10 ms plus some 3 µs per
   * scope). Honest grants cost a few units per scope; only sets crafted to defeat the index (many granular
   * scopes sharing many restrictions) reach it.
   */
  budget?: number;
}

/** Stable codes of ScopeComparisonError (snake_case, like every error code of @fhir-dsl). */
export const ScopeComparisonErrorCode = {
  /** The comparison would cost more than its budget: not compared. */
  TooCostly: "scope_comparison_too_costly",
} as const;
export type ScopeComparisonErrorCode = (typeof ScopeComparisonErrorCode)[keyof typeof ScopeComparisonErrorCode];

/**
 * A comparison stopped before it finished because the scopes would cost more than its budget (SECURITY.md F15):
 * the answer is unknown, not "covered" and not "missing". Carries no scope text.
 */
export class ScopeComparisonError extends RangeError {
  readonly code: ScopeComparisonErrorCode = "scope_comparison_too_costly"; // a literal: the constant object stays tree-shakable
  readonly budget: number;
  constructor(budget: number) {
    super(
      `Scope comparison stopped: the scope sets would cost more than ${budget} work units to compare (not compared)`,
    );
    this.name = "ScopeComparisonError";
    this.budget = budget;
    Object.defineProperty(this, MARK, { value: true });
  }
  /** True for a ScopeComparisonError from any copy of this package (a `Symbol.for` brand, not `instanceof`), with `code` when given. */
  static is(value: unknown): value is ScopeComparisonError;
  // a code narrows `code` on a match, and a miss still leaves a ScopeComparisonError a ScopeComparisonError
  static is<C extends ScopeComparisonErrorCode>(
    value: unknown,
    code: C,
  ): value is ScopeComparisonError & { readonly code: C };
  static is(value: unknown, code?: ScopeComparisonErrorCode): boolean {
    return (
      (value as Record<symbol, unknown> | null)?.[MARK] === true &&
      (code === undefined || (value as ScopeComparisonError).code === code)
    );
  }
}

/** Work left to one comparison; shared by the indexes it builds. */
export class Budget {
  #spent = 0;
  constructor(readonly total: number = DEFAULT_COMPARISON_BUDGET) {}
  /** Charge `units` before doing that much work: throws once the total would be exceeded. */
  spend(units: number): void {
    this.#spent += units;
    if (this.#spent > this.total) throw new ScopeComparisonError(this.total);
  }
}

/** The budget of `options`, checked: a positive number (Infinity allowed) or the default. */
export function budgetOf(options: ComparisonOptions | undefined, where: string, scopes: number): Budget {
  const budget = options?.budget ?? DEFAULT_COMPARISON_BUDGET + BUDGET_PER_SCOPE * scopes;
  if (typeof budget !== "number" || !(budget > 0))
    throw new TypeError(`${where}: budget must be a positive number of work units`);
  return new Budget(budget);
}
