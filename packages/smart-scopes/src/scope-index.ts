import { keyOf } from "./grammar.js";
import type { Budget } from "./limits.js";
import type { ParsedResourceScope, ParsedScope } from "./types.js";

const isResource = (s: ParsedScope): s is ParsedResourceScope => s.kind === "resource";

/** Permission letters as bits, so a union of grants is one `|` (any other letter shares the last bit). */
const maskOf = (permissions: readonly string[]): number => {
  let mask = 0;
  for (const letter of permissions) {
    const i = "cruds".indexOf(letter);
    mask |= 1 << (i < 0 ? 5 : i);
  }
  return mask;
};

const NONE: readonly string[] = Object.freeze([]);
/** A scope's distinct `name=value` restrictions, sorted, length-prefixed so no name or value can run into another. */
const paramsOf = ({ params }: ParsedResourceScope): readonly string[] => {
  if (!params.length) return NONE;
  const list = params.map(([k, v]) => `${String(k).length}:${k}=${v}`);
  return list.length === 1 ? list : [...new Set(list)].sort();
};
const groupKey = (params: readonly string[]): string =>
  params.length === 0
    ? ""
    : params.length === 1
      ? `${params[0]!.length}/${params[0]}`
      : params.map((p) => `${p.length}/${p}`).join("");

/** The scopes of one target sharing one set of restrictions: the union of their permissions. */
interface Group {
  params: readonly string[];
  mask: number;
}

/** The scopes reaching one `context/type` (or a whole context), grouped by their restrictions. */
class Target {
  readonly groups = new Map<string, Group>();
  /** Union of every group's permissions. */
  any = 0;
  /** What scanning every group costs. */
  scanCost = 0;
  /** Groups by each restriction they hold, built on first use (to find groups holding all of a scope's). */
  #byParam: Map<string, Group[]> | undefined;

  add(params: readonly string[], mask: number): void {
    const key = groupKey(params);
    let group = this.groups.get(key);
    if (!group) {
      this.groups.set(key, (group = { params, mask: 0 }));
      this.scanCost += params.length + 1;
      this.#byParam = undefined;
    }
    group.mask |= mask;
    this.any |= mask;
  }

  /** The groups holding restriction `p`. */
  holding(p: string): readonly Group[] {
    if (!this.#byParam) {
      this.#byParam = new Map();
      for (const group of this.groups.values()) {
        for (const q of group.params) {
          const list = this.#byParam.get(q);
          if (list) list.push(group);
          else this.#byParam.set(q, [group]);
        }
      }
    }
    return this.#byParam.get(p) ?? [];
  }
}

/**
 * The scopes of a set grouped by what they reach and by their restrictions, so that a coverage or overlap
 * question costs about as much as the scope asked about, not as the whole set (SECURITY.md F7, F15):
 * granular scopes sharing a context and type are found by their restriction sets, not compared pairwise.
 * Sets crafted to defeat this (subset queries are hard in general) run into the work budget instead:
 * a ScopeComparisonError, never a frozen event loop.
 */
export class ScopeIndex {
  readonly #keys = new Set<string>();
  /** context → type (or `*`) → target. */
  readonly #byType = new Map<string, Map<string, Target>>();
  /** context → every resource scope of it, built on first use. */
  readonly #byContext = new Map<string, Target>();
  readonly #budget: Budget;
  /** The scope asked about last and its restrictions: diffScopes asks `overlaps` right after `covers`. */
  #last: [ParsedResourceScope, readonly string[]] | undefined;

  constructor(scopes: readonly ParsedScope[], budget: Budget) {
    this.#budget = budget;
    for (const s of scopes) {
      if (!isResource(s)) {
        this.#keys.add(keyOf(s));
        continue;
      }
      let types = this.#byType.get(s.context);
      if (!types) this.#byType.set(s.context, (types = new Map()));
      let target = types.get(s.resource);
      if (!target) types.set(s.resource, (target = new Target()));
      target.add(paramsOf(s), maskOf(s.permissions));
    }
  }

  #paramsOf(s: ParsedResourceScope): readonly string[] {
    if (this.#last?.[0] !== s) this.#last = [s, paramsOf(s)];
    return this.#last[1];
  }

  #spend(units: number): void {
    this.#budget.spend(units);
  }

  /** The targets `p` may be granted by: its own type and `*` (only `*` when `p` is `*`). */
  #targets(p: ParsedResourceScope): Target[] {
    const types = this.#byType.get(p.context);
    const named = p.resource === "*" ? undefined : types?.get(p.resource);
    const any = types?.get("*");
    return named && any ? [named, any] : named ? [named] : any ? [any] : [];
  }

  /** Every resource scope of `context`, as one target. */
  #context(context: string): Target | undefined {
    let all = this.#byContext.get(context);
    const types = this.#byType.get(context);
    if (!all && types) {
      this.#spend(types.size);
      this.#byContext.set(context, (all = new Target()));
      for (const target of types.values()) {
        this.#spend(target.groups.size);
        for (const group of target.groups.values()) all.add(group.params, group.mask);
      }
    }
    return all;
  }

  /** Union of the permissions of the groups whose restrictions are a subset of `params`; stops once `done`. */
  #subsetUnion(target: Target, params: readonly string[], done: (mask: number) => boolean): number {
    const k = params.length;
    // building a subset's key costs about k lookups' worth of work
    const enumerate = k < 20 ? 2 ** k * (k || 1) : Number.POSITIVE_INFINITY;
    let union = 0;
    if (enumerate <= target.scanCost) {
      this.#spend(enumerate);
      // every subset of the (sorted) restrictions, looked up by its key
      for (let bits = 0; bits < 2 ** k && !done(union); bits++) {
        const group = target.groups.get(
          bits === 0 ? "" : groupKey(k === 1 ? params : params.filter((_, i) => bits & (1 << i))),
        );
        if (group) union |= group.mask;
      }
    } else {
      this.#spend(target.scanCost);
      const wanted = new Set(params);
      for (const group of target.groups.values()) {
        if (done(union)) break;
        if (group.params.every((p) => wanted.has(p))) union |= group.mask;
      }
    }
    return union;
  }

  /** Whether some group holding every one of `params` shares a permission with `mask`. */
  #someSuperset(target: Target, params: readonly string[], mask: number): boolean {
    if (!params.length) return (target.any & mask) !== 0;
    // the rarest restriction of `params` bounds the groups to look at
    let rarest = target.holding(params[0]!);
    for (const p of params) {
      const list = target.holding(p);
      if (list.length < rarest.length) rarest = list;
    }
    this.#spend(rarest.length * params.length + 1);
    return rarest.some((g) => (g.mask & mask) !== 0 && params.every((p) => g.params.includes(p)));
  }

  // SMART 2.2 scopes-and-launch-context.html#scope-equivalence: scopes are unions, so .rs + .cud covers .cruds
  /** True when the union of the indexed scopes grants everything `p` grants. */
  covers(p: ParsedScope): boolean {
    if (!isResource(p)) return this.#keys.has(keyOf(p));
    const need = maskOf(p.permissions);
    const params = this.#paramsOf(p);
    const done = (union: number) => (union & need) === need;
    let union = 0;
    for (const target of this.#targets(p))
      if (!done(union)) union |= this.#subsetUnion(target, params, (u) => done(union | u));
    return done(union);
  }

  /** True when some indexed resource scope allows an interaction `p` allows, on a resource in common. */
  overlaps(p: ParsedScope): boolean {
    if (!isResource(p)) return false;
    const need = maskOf(p.permissions);
    const params = this.#paramsOf(p);
    const all = p.resource === "*" ? this.#context(p.context) : undefined;
    const targets = p.resource === "*" ? (all ? [all] : []) : this.#targets(p);
    return targets.some(
      (t) =>
        (this.#subsetUnion(t, params, (u) => (u & need) !== 0) & need) !== 0 || this.#someSuperset(t, params, need),
    );
  }
}
