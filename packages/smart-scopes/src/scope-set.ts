import {
  fhirUser,
  type Interaction,
  launch,
  offlineAccess,
  onlineAccess,
  openid,
  type ScopeContext,
} from "./constants.js";
import { keyOf, parseToken, parseTokens, splitScopes } from "./grammar.js";
import { budgetOf, type ComparisonOptions } from "./limits.js";
import { ScopeIndex } from "./scope-index.js";
import type { ParsedResourceScope, ParsedScope } from "./types.js";

const INTERACTIONS: readonly string[] = ["create", "read", "update", "delete", "search"];

const unique = <T>(items: T[]): T[] => [...new Set(items)];

const isResource = (s: ParsedScope): s is ParsedResourceScope => s.kind === "resource";

/** A parsed scope string: what `parseScope` returns. Entries keep the order (and repeats) written. */
export class ScopeSet {
  readonly scopes: readonly ParsedScope[];

  constructor(scopes: readonly ParsedScope[] = []) {
    if (!Array.isArray(scopes)) throw new TypeError("ScopeSet: pass an array of ParsedScope");
    // a frozen array cannot change under the set, so it is kept as is (parseScope passes one)
    this.scopes = Object.isFrozen(scopes) ? scopes : Object.freeze([...scopes]);
  }

  /** Every token of `scope` is present; v1 and v2 spellings of a resource scope count as the same token. */
  has(scope: string): boolean {
    const tokens = typeof scope === "string" ? splitScopes(scope) : [];
    const keys = new Set(this.scopes.map(keyOf));
    return tokens.length > 0 && tokens.every((t) => keys.has(keyOf(parseToken(t))));
  }

  /**
   * Every scope of `scope` is granted by this set, counting unions (`.rs` + `.cud`) and wildcards.
   * Throws ScopeComparisonError when the sets would cost more than `options.budget` to compare (SECURITY.md F15).
   */
  covers(scope: string | ScopeSet, options?: ComparisonOptions): boolean {
    const wanted = toScopeSet(scope, "covers").scopes;
    const index = new ScopeIndex(this.scopes, budgetOf(options, "covers", this.scopes.length + wanted.length));
    return wanted.every((p) => index.covers(p));
  }

  /** The resource scopes permitting `interaction` on `resourceType`, granular ones included. */
  matching(
    interaction: Interaction,
    resourceType: string,
    context?: ScopeContext | ScopeContext[],
  ): ParsedResourceScope[] {
    // create read update delete search ↔ c r u d s
    const letter = "cruds"[INTERACTIONS.indexOf(interaction)];
    if (!letter) throw new TypeError('ScopeSet: interaction must be "create", "read", "update", "delete" or "search"');
    const contexts = context === undefined ? undefined : ([] as unknown[]).concat(context);
    return this.scopes.filter(
      (s): s is ParsedResourceScope =>
        isResource(s) &&
        (!contexts || contexts.includes(s.context)) &&
        (s.resource === "*" || s.resource === resourceType) &&
        s.permissions.includes(letter as "c"),
    );
  }

  /** Some scope permits it, possibly restricted by granular params (see `allowsUnrestricted`). `context` undefined = any. */
  allows(interaction: Interaction, resourceType: string, context?: ScopeContext | ScopeContext[]): boolean {
    return this.matching(interaction, resourceType, context).length > 0;
  }

  /** Some scope without granular `?params` permits it. */
  allowsUnrestricted(interaction: Interaction, resourceType: string, context?: ScopeContext | ScopeContext[]): boolean {
    return this.matching(interaction, resourceType, context).some((s) => !s.params.length);
  }

  get openid(): boolean {
    return this.has(openid);
  }
  get fhirUser(): boolean {
    return this.has(fhirUser);
  }
  get offlineAccess(): boolean {
    return this.has(offlineAccess);
  }
  get onlineAccess(): boolean {
    return this.has(onlineAccess);
  }
  /** The `launch` scope of an EHR launch. */
  get launch(): boolean {
    return this.has(launch);
  }
  /** Types of the `launch/<type>` scopes, e.g. `["patient"]`. */
  get launchContexts(): string[] {
    return unique(this.scopes.flatMap((s) => (s.kind === "launch-context" ? [s.type] : [])));
  }
  /** Contexts of the resource scopes present, in order of first appearance. */
  get contexts(): ScopeContext[] {
    return unique(this.scopes.filter(isResource).map((s) => s.context));
  }

  /** The scopes, space separated, as written. */
  toString(): string {
    return this.scopes.map((s) => s.raw).join(" ");
  }
  toJSON(): string {
    return this.toString();
  }
  /** As `toString`, with v1 resource scopes rewritten to v2 (`.read` becomes `.rs`). */
  toV2String(): string {
    return this.scopes.map((s) => (isResource(s) && s.syntax === "v1" ? keyOf(s).replace(/\?$/, "") : s.raw)).join(" ");
  }
}

/** A string is parsed; a ScopeSet (from any copy of this package) is used as is. */
export function toScopeSet(value: string | ScopeSet, where: string): ScopeSet {
  if (typeof value === "string") return parseScope(value);
  if (value instanceof ScopeSet) return value;
  const scopes = (value as { scopes?: unknown } | null)?.scopes;
  if (Array.isArray(scopes)) return new ScopeSet(scopes as ParsedScope[]);
  throw new TypeError(`${where}: pass a scope string or a ScopeSet`);
}

/** Reads a whole scope string; never throws. Non-strings and empty strings give an empty set. */
export function parseScope(scope: string | null | undefined): ScopeSet {
  return new ScopeSet(Object.freeze(typeof scope === "string" ? parseTokens(scope) : []));
}
