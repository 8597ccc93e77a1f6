import { fhirUser, launch, offlineAccess, onlineAccess, openid, type Permission, profile } from "./constants.js";
import type { ParsedResourceScope, ParsedScope } from "./types.js";

const PERMS = "cruds";
const LETTERS: readonly unknown[] = [...PERMS];
const SIMPLE: readonly unknown[] = [openid, fhirUser, profile, offlineAccess, onlineAccess, launch];
// RFC 6749 §3.3: a scope-token has no space, '"' or '\'; control characters cannot travel either (checklist E19).
export const FORBIDDEN = /[\s"\\\u0000-\u001f\u007f]/;
// SMART 2.2 scopes-and-launch-context.html#fhir-resource-scope-syntax: split on the first "?" only.
// FORBIDDEN characters are excluded by RESOURCE and LAUNCH_CONTEXT themselves: one regex call per token, not three.
const LAUNCH_CONTEXT = /^launch\/([A-Za-z][A-Za-z0-9]*)(?:\?role=([^&\s"\\\u0000-\u001f\u007f]+))?$/;
// SMART 2.2 scopes-and-launch-context.html#scopes-for-requesting-fhir-resources: .read = .rs, .write = .cud, .* = .cruds
const V1 = [
  ["read", "rs"],
  ["write", "cud"],
  ["*", "cruds"],
] as const;

const fail = (message: string): never => {
  throw new TypeError(message);
};

/** Splits on any run of ASCII whitespace, dropping empty tokens. */
export const splitScopes = (scope: string): string[] => scope.split(/[\t\n\v\f\r ]+/).filter(Boolean);

const OTHER_SPACE = /[\t\n\v\f\r]/;
/**
 * `splitScopes(scope).map(parseToken)` in one pass: split on " " (native), and only a token that parses as unknown
 * is searched for other whitespace, since no known scope can hold any.
 */
export function parseTokens(scope: string): ParsedScope[] {
  const scopes: ParsedScope[] = [];
  for (const token of scope.split(" ")) {
    if (token === "") continue;
    const parsed = parseToken(token);
    if (parsed.kind !== "unknown" || !OTHER_SPACE.test(token)) scopes.push(parsed);
    else for (const part of splitScopes(token)) scopes.push(parseToken(part));
  }
  return scopes;
}

/** The letters of `perms` that are permissions, in canonical `c r u d s` order. */
const sortLetters = (perms: readonly unknown[]): string => [...PERMS].filter((p) => perms.includes(p)).join("");

/** `name=value` pairs joined by "&" (a name has no "=", neither part is empty), or undefined when malformed. */
function readParams(query: string): [string, string][] | undefined {
  const params: [string, string][] = [];
  let from = 0;
  while (from <= query.length) {
    let to = query.indexOf("&", from);
    if (to < 0) to = query.length;
    const eq = query.indexOf("=", from);
    if (eq <= from || eq >= to - 1) return undefined;
    params.push([query.slice(from, eq), query.slice(eq + 1, to)]);
    from = to + 1;
  }
  return params;
}

// Matched with test(), which builds no result array; the parts are then cut out at the first "/", "." and "?".
const RESOURCE =
  /^(?:patient|user|system)\/(?:\*|[A-Z][A-Za-z0-9]*)\.(?:read|write|\*|c?r?u?d?s?)(?:\?[^\s"\\\u0000-\u001f\u007f]*)?$/;

/** Reads a resource scope (split on the first "?" only); undefined when the token is not one. */
function readResource(raw: string): ParsedScope | undefined {
  if (!RESOURCE.test(raw)) return undefined;
  const slash = raw.indexOf("/");
  const dot = raw.indexOf(".", slash);
  const mark = raw.indexOf("?", dot);
  const access = mark < 0 ? raw.slice(dot + 1) : raw.slice(dot + 1, mark);
  const params = mark < 0 ? [] : readParams(raw.slice(mark + 1));
  const v1 = access === "read" ? "rs" : access === "write" ? "cud" : access === "*" ? "cruds" : undefined;
  // an empty access, a malformed query, and v1 words with granular params are outside the grammar
  if (access === "" || !params || (v1 && params.length)) return { kind: "unknown", raw };
  const context = slash === 7 ? "patient" : slash === 4 ? "user" : "system";
  const resource = raw.slice(slash + 1, dot);
  const permissions = (v1 ?? access).split("") as Permission[];
  return v1
    ? { kind: "resource", raw, context, resource, permissions, params, syntax: "v1", v1Access: access as "read" }
    : { kind: "resource", raw, context, resource, permissions, params, syntax: "v2" };
}

/** Reads one scope token; anything outside the grammar is `unknown`, never an exception. */
export function parseToken(raw: string): ParsedScope {
  // resource scopes first: most of any grant, and no other kind of scope contains "/" then "."
  const scope = readResource(raw);
  if (scope) return scope;
  const launchContext = LAUNCH_CONTEXT.exec(raw);
  if (launchContext) {
    const [, type = "", role] = launchContext;
    return { kind: "launch-context", raw, type, ...(role && { role }) };
  }
  return SIMPLE.includes(raw) ? { kind: raw as "openid", raw } : { kind: "unknown", raw };
}

/** Canonical `cruds` letters of a permission list or string; TypeError for anything else. */
export function canonicalLetters(perms: unknown, where: string): string {
  const list = typeof perms === "string" || Array.isArray(perms) ? [...perms] : [0];
  return (
    (list.every((p) => LETTERS.includes(p)) && sortLetters(list)) ||
    fail(`${where}: perms must be letters of "cruds", or "*"`)
  );
}

/** Writes a resource scope after checking every part, so the result always parses back to the same scope. */
export function writeResource(
  context: unknown,
  resource: unknown,
  letters: string,
  params: unknown,
  v1: boolean,
  where: string,
): string {
  if (!["patient", "user", "system"].includes(context as string))
    fail(`${where}: context must be "patient", "user" or "system"`);
  // The resource part is valid exactly when the scope parses as one
  if (typeof resource !== "string" || parseToken(`${context}/${resource}.${letters}`).kind !== "resource")
    fail(`${where}: resource must be a FHIR type or "*"`);
  const pairs =
    params == null ? [] : Array.isArray(params) ? params : typeof params === "object" ? Object.entries(params) : [0];
  const query = pairs.map((pair: unknown) => {
    const [name, value] = Array.isArray(pair) && pair.length === 2 ? pair : [];
    return typeof name === "string" &&
      typeof value === "string" &&
      /^[^=&]+$/.test(name) &&
      /^[^&]+$/.test(value) &&
      !FORBIDDEN.test(name + value)
      ? `${name}=${value}`
      : fail(`${where}: params must be [name, value] strings without whitespace, '"', '\\' or '&'`);
  });
  const access = (v1 && !query.length && V1.find(([, l]) => l === letters)?.[0]) || letters;
  return `${context}/${resource}.${access}${query.length ? `?${query.join("&")}` : ""}`;
}

/** Writes a parsed scope back; `parseScope(formatScope(x))` gives `x` back. */
export function formatScope(parsed: ParsedScope): string {
  const p = (parsed ?? {}) as Partial<ParsedResourceScope> & {
    kind?: unknown;
    raw?: unknown;
    type?: unknown;
    role?: unknown;
  };
  if (p.kind === "resource") {
    return writeResource(
      p.context,
      p.resource,
      canonicalLetters(p.permissions, "formatScope"),
      p.params,
      p.syntax === "v1",
      "formatScope",
    );
  }
  if (p.kind === "launch-context") {
    const out = `launch/${String(p.type)}${p.role === undefined ? "" : `?role=${String(p.role)}`}`;
    return LAUNCH_CONTEXT.exec(out)?.[1] === p.type && !FORBIDDEN.test(out)
      ? out
      : fail('formatScope: launch-context needs a type like "patient" and a role without "&"');
  }
  if (SIMPLE.includes(p.kind)) return String(p.kind);
  if (p.kind === "unknown" && splitScopes(String(p.raw))[0] === p.raw) return p.raw as string;
  return fail("formatScope: pass a ParsedScope (an unknown one with a raw token)");
}

/** A comparison key: v1 and v2 spellings of one resource scope, and params in any order, share it. */
export function keyOf(p: ParsedScope): string {
  if (p.kind === "resource")
    return `${p.context}/${p.resource}.${sortLetters(p.permissions)}?${p.params
      .map((pair) => pair.join("="))
      .sort()
      .join("&")}`;
  if (p.kind === "launch-context") return `launch/${p.type}?role=${p.role ?? ""}`;
  // a space cannot occur in a token, so unknown tokens never collide with the keys above
  return p.kind === "unknown" ? ` ${p.raw}` : p.kind;
}
