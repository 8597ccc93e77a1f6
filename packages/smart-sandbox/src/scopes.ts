/** Scopes the provider treats as OpenID / launch scopes (granted at the OIDC level, not per resource). */
export const STATIC_SCOPES = [
  "openid",
  "fhirUser",
  "profile",
  "offline_access",
  "online_access",
  "launch",
  "launch/patient",
  "launch/encounter",
] as const;

export type ScopeContext = "patient" | "user" | "system";

/** A parsed SMART resource scope (v1 or v2 form). */
export interface ResourceScope {
  raw: string;
  context: ScopeContext;
  resource: string;
  /** Normalised to v2 letters: c r u d s. */
  perms: Set<string>;
  /** The granular `?param=value` part, without the `?`. */
  query: string | undefined;
}

// SMART 2.2 scopes-and-launch-context.html#scopes-for-requesting-fhir-resources: cruds in order, or v1 read/write/*
const RESOURCE_SCOPE = /^(patient|user|system)\/([A-Za-z]+|\*)\.(read|write|\*|c?r?u?d?s?)(?:\?(.+))?$/;

const V1_PERMS: Record<string, string> = { read: "rs", write: "cud", "*": "cruds" };

/** Parses `patient/Observation.rs?category=...` (or v1 `.read`); undefined when it is not a resource scope. */
export function parseResourceScope(scope: string): ResourceScope | undefined {
  const m = RESOURCE_SCOPE.exec(scope);
  if (!m) return undefined;
  const [, context, resource, permText, query] = m as unknown as [
    string,
    ScopeContext,
    string,
    string,
    string | undefined,
  ];
  const letters = V1_PERMS[permText] ?? permText;
  if (letters.length === 0) return undefined;
  return { raw: scope, context, resource, perms: new Set(letters), query: query || undefined };
}

/** Does `outer` grant at least what `inner` asks for? */
export function covers(outer: ResourceScope, inner: ResourceScope): boolean {
  if (outer.context !== inner.context) return false;
  if (outer.resource !== "*" && outer.resource !== inner.resource) return false;
  for (const p of inner.perms) if (!outer.perms.has(p)) return false;
  return outer.query === undefined || outer.query === inner.query;
}

/** Splits a space separated scope string into its distinct non-empty items, in order. */
export function splitScope(scope: string | undefined | null): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(" ").filter(Boolean))];
}

/** Whether a client whose maximum scope is `limit` may get `scope`. */
export function withinLimit(limit: string | undefined, scope: string): boolean {
  if (limit === undefined) return true;
  const allowed = splitScope(limit);
  if (allowed.includes(scope)) return true;
  const wanted = parseResourceScope(scope);
  if (!wanted) return false;
  return allowed.some((a) => {
    const parsed = parseResourceScope(a);
    return parsed !== undefined && covers(parsed, wanted);
  });
}

/** Resource scopes among `scopes` that allow `perm` (one of c r u d s) on `resourceType`. */
export function permitting(scopes: Iterable<string>, resourceType: string, perm: string): ResourceScope[] {
  const out: ResourceScope[] = [];
  for (const s of scopes) {
    const parsed = parseResourceScope(s);
    if (!parsed) continue;
    if (parsed.resource !== "*" && parsed.resource !== resourceType) continue;
    if (parsed.perms.has(perm)) out.push(parsed);
  }
  return out;
}
