import { fhirUser, type Interaction, launch, offlineAccess, onlineAccess, openid, type ScopeContext } from "./constants.js";
import { keyOf, parseToken, splitScopes } from "./grammar.js";
import type { ParsedResourceScope, ParsedScope } from "./types.js";

const INTERACTIONS: readonly string[] = ["create", "read", "update", "delete", "search"];

const unique = <T>(items: T[]): T[] => [...new Set(items)];

const isResource = (s: ParsedScope): s is ParsedResourceScope => s.kind === "resource";

const subsetParams = (a: ParsedResourceScope, b: ParsedResourceScope): boolean =>
  a.params.every(([k, v]) => b.params.some(([k2, v2]) => k === k2 && v === v2));

/** Same context, and `g` reaches every resource `r` reaches with no more restrictions. */
const atLeastAsBroad = (g: ParsedResourceScope, r: ParsedResourceScope): boolean =>
  g.context === r.context && (g.resource === "*" || g.resource === r.resource) && subsetParams(g, r);

/** Two resource scopes allowing some interaction on some resource in common. */
const overlaps = (a: ParsedResourceScope, b: ParsedResourceScope): boolean =>
  (subsetParams(a, b) || subsetParams(b, a)) && a.permissions.some((p) => b.permissions.includes(p));

const add = (map: Map<string, ParsedResourceScope[]>, key: string, s: ParsedResourceScope) => {
  const list = map.get(key);
  if (list) list.push(s);
  else map.set(key, [s]);
};

/**
 * The scopes of a set grouped by what they reach, so that a coverage or overlap question looks only at
 * the scopes of the same context and type (or `*`), not at every token of the set: comparing grants of
 * thousands of tokens stays linear unless thousands share one context and type (SECURITY.md F7).
 */
export class ScopeIndex {
  readonly #keys = new Set<string>();
  /** Resource scopes by `context/resource` (resource may be `*`). */
  readonly #byTarget = new Map<string, ParsedResourceScope[]>();
  /** Resource scopes by context. */
  readonly #byContext = new Map<string, ParsedResourceScope[]>();

  constructor(scopes: readonly ParsedScope[]) {
    for (const s of scopes) {
      if (!isResource(s)) this.#keys.add(keyOf(s));
      else {
        add(this.#byTarget, `${s.context}/${s.resource}`, s);
        add(this.#byContext, s.context, s);
      }
    }
  }

  #target(context: string, resource: string): ParsedResourceScope[] {
    return this.#byTarget.get(`${context}/${resource}`) ?? [];
  }

  // SMART 2.2 scopes-and-launch-context.html#scope-equivalence: scopes are unions, so .rs + .cud covers .cruds
  /** True when the union of the indexed scopes grants everything `p` grants. */
  covers(p: ParsedScope): boolean {
    if (!isResource(p)) return this.#keys.has(keyOf(p));
    const candidates = p.resource === "*" ? this.#target(p.context, "*") : [...this.#target(p.context, p.resource), ...this.#target(p.context, "*")];
    const granted = candidates.flatMap((s) => (atLeastAsBroad(s, p) ? s.permissions : []));
    return p.permissions.every((l) => granted.includes(l));
  }

  /** True when some indexed resource scope allows an interaction `p` allows, on a resource in common. */
  overlaps(p: ParsedScope): boolean {
    if (!isResource(p)) return false;
    const candidates = p.resource === "*" ? (this.#byContext.get(p.context) ?? []) : [...this.#target(p.context, p.resource), ...this.#target(p.context, "*")];
    return candidates.some((q) => overlaps(p, q));
  }
}

/** A parsed scope string: what `parseScope` returns. Entries keep the order (and repeats) written. */
export class ScopeSet {
  readonly scopes: readonly ParsedScope[];

  constructor(scopes: readonly ParsedScope[] = []) {
    if (!Array.isArray(scopes)) throw new TypeError("ScopeSet: pass an array of ParsedScope");
    this.scopes = Object.freeze([...scopes]);
  }

  /** Every token of `scope` is present; v1 and v2 spellings of a resource scope count as the same token. */
  has(scope: string): boolean {
    const tokens = typeof scope === "string" ? splitScopes(scope) : [];
    const keys = new Set(this.scopes.map(keyOf));
    return tokens.length > 0 && tokens.every((t) => keys.has(keyOf(parseToken(t))));
  }

  /** Every scope of `scope` is granted by this set, counting unions (`.rs` + `.cud`) and wildcards. */
  covers(scope: string | ScopeSet): boolean {
    const index = new ScopeIndex(this.scopes);
    return toScopeSet(scope, "covers").scopes.every((p) => index.covers(p));
  }

  /** The resource scopes permitting `interaction` on `resourceType`, granular ones included. */
  matching(interaction: Interaction, resourceType: string, context?: ScopeContext | ScopeContext[]): ParsedResourceScope[] {
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
  return new ScopeSet(typeof scope === "string" ? splitScopes(scope).map(parseToken) : []);
}
