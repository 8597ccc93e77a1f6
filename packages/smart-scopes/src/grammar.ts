import type { Permission, ScopeContext } from "./constants.js";
import type { ParsedResourceScope, ParsedScope } from "./types.js";

const PERMS = "cruds";
const CONTEXTS: readonly string[] = ["patient", "user", "system"];
const SIMPLE: readonly string[] = ["openid", "fhirUser", "profile", "offline_access", "online_access", "launch"];
// RFC 6749 §3.3: a scope-token has no space, '"' or '\'; control characters cannot travel either (checklist E19).
const FORBIDDEN = /[\s"\\\u0000-\u001f\u007f]/;
const RESOURCE_TYPE = /^(?:\*|[A-Z][A-Za-z0-9]*)$/;
const LAUNCH_TYPE = /^[A-Za-z][A-Za-z0-9]*$/;
// SMART 2.2 scopes-and-launch-context.html#fhir-resource-scope-syntax: split on the first "?" only.
const RESOURCE = /^(patient|user|system)\/([^.?]+)\.([^?]+)(?:\?([^]*))?$/;
const LAUNCH_CONTEXT = /^launch\/([A-Za-z][A-Za-z0-9]*)(?:\?role=([^&]+))?$/;
const V2 = /^c?r?u?d?s?$/;

/** Splits on any run of ASCII whitespace, dropping empty tokens. */
export const splitScopes = (scope: string): string[] => scope.split(/[\t\n\v\f\r ]+/).filter(Boolean);

// SMART 2.2 scopes-and-launch-context.html#scopes-for-requesting-fhir-resources: .read = .rs, .write = .cud, .* = .cruds
const v1Letters = (access: string): string | undefined =>
  access === "read" ? "rs" : access === "write" ? "cud" : access === "*" ? "cruds" : undefined;

const v1Access = (letters: string): "read" | "write" | "*" | undefined =>
  letters === "rs" ? "read" : letters === "cud" ? "write" : letters === "cruds" ? "*" : undefined;

function parseParams(query: string): [string, string][] | undefined {
  const params: [string, string][] = [];
  for (const part of query.split("&")) {
    const eq = part.indexOf("=");
    if (eq < 1 || eq === part.length - 1) return undefined;
    params.push([part.slice(0, eq), part.slice(eq + 1)]);
  }
  return params;
}

/** Reads one scope token; anything outside the grammar is `unknown`, never an exception. */
export function parseToken(raw: string): ParsedScope {
  if (SIMPLE.includes(raw)) return { kind: raw as "openid", raw };
  if (FORBIDDEN.test(raw)) return { kind: "unknown", raw };
  const launchMatch = LAUNCH_CONTEXT.exec(raw);
  if (launchMatch) {
    const [, type = "", role] = launchMatch;
    return role === undefined ? { kind: "launch-context", raw, type } : { kind: "launch-context", raw, type, role };
  }
  const m = RESOURCE.exec(raw);
  if (m && RESOURCE_TYPE.test(m[2] ?? "")) {
    const [, context, resource = "", access = "", query] = m;
    const params = query === undefined ? [] : parseParams(query);
    const v1 = v1Letters(access);
    const base = { kind: "resource", raw, context: context as ScopeContext, resource } as const;
    if (v1 && params && !params.length) {
      return { ...base, permissions: [...v1] as Permission[], syntax: "v1", v1Access: access as "read", params };
    }
    if (params && V2.test(access)) return { ...base, permissions: [...access] as Permission[], syntax: "v2", params };
  }
  return { kind: "unknown", raw };
}

const fail = (message: string): never => {
  throw new TypeError(message);
};

/** Canonical `cruds` letters of a permission list; TypeError for anything else. */
export function canonicalLetters(perms: readonly unknown[], where: string): string {
  for (const p of perms) {
    if (typeof p !== "string" || p.length !== 1 || !PERMS.includes(p)) {
      fail(`${where}: permissions must be letters of "cruds" (e.g. ["r", "s"] or "rs"), or "*"`);
    }
  }
  const letters = [...PERMS].filter((p) => perms.includes(p)).join("");
  return letters || fail(`${where}: pass at least one permission letter of "cruds"`);
}

/** Writes a resource scope after checking every part, so the result always parses back to the same scope. */
export function writeResource(
  context: unknown,
  resource: unknown,
  letters: string,
  params: readonly (readonly unknown[])[],
  v1: boolean,
  where: string,
): string {
  if (typeof context !== "string" || !CONTEXTS.includes(context)) {
    fail(`${where}: context must be "patient", "user" or "system"`);
  }
  if (typeof resource !== "string" || !RESOURCE_TYPE.test(resource)) {
    fail(`${where}: resource must be a FHIR resource type such as "Observation", or "*"`);
  }
  const query = params.map((pair) => {
    const [k, v] = pair;
    const ok =
      pair.length === 2 &&
      typeof k === "string" &&
      typeof v === "string" &&
      /^[^=&]+$/.test(k) &&
      /^[^&]+$/.test(v) &&
      !FORBIDDEN.test(k + v);
    return ok
      ? `${k}=${v}`
      : fail(`${where}: params must be non-empty [name, value] strings without whitespace, '"', '\\' or '&' (and no '=' in the name)`);
  });
  const access = (v1 && !query.length && v1Access(letters)) || letters;
  return `${context}/${resource}.${access}${query.length ? `?${query.join("&")}` : ""}`;
}

/** Writes a parsed scope back; `parseScope(formatScope(x))` gives `x` back. */
export function formatScope(parsed: ParsedScope): string {
  if (parsed === null || typeof parsed !== "object") return fail("formatScope: pass a ParsedScope, e.g. parseScope(s).scopes[0]");
  const p = parsed as Partial<ParsedResourceScope> & { kind?: unknown; raw?: unknown; type?: unknown; role?: unknown };
  if (p.kind === "resource") {
    const letters = canonicalLetters(Array.isArray(p.permissions) ? p.permissions : [], "formatScope");
    return writeResource(p.context, p.resource, letters, Array.isArray(p.params) ? p.params : [], p.syntax === "v1", "formatScope");
  }
  if (p.kind === "launch-context") {
    const role = p.role === undefined ? "" : `?role=${String(p.role)}`;
    const out = `launch/${String(p.type)}${role}`;
    return typeof p.type === "string" && LAUNCH_TYPE.test(p.type) && parseToken(out).kind === "launch-context"
      ? out
      : fail('formatScope: a launch-context scope needs a type such as "patient" and an optional role URI without "&"');
  }
  if (typeof p.kind === "string" && SIMPLE.includes(p.kind)) return p.kind;
  if (p.kind === "unknown" && typeof p.raw === "string" && p.raw && splitScopes(p.raw)[0] === p.raw) return p.raw;
  return fail("formatScope: pass a ParsedScope with a known kind; an unknown scope needs a raw token without whitespace");
}

/** A comparison key: v1 and v2 spellings of one resource scope, and params in any order, share it. */
export function keyOf(p: ParsedScope): string {
  if (p.kind === "resource") {
    const letters = [...PERMS].filter((l) => p.permissions.includes(l as Permission)).join("");
    const params = p.params.map(([k, v]) => `${k}=${v}`).sort();
    return `${p.context}/${p.resource}.${letters}?${params.join("&")}`;
  }
  if (p.kind === "launch-context") return `launch/${p.type}?role=${p.role ?? ""}`;
  // a space cannot occur in a token, so unknown tokens never collide with the keys above
  return p.kind === "unknown" ? ` ${p.raw}` : p.kind;
}
