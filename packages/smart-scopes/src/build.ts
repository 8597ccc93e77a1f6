import { canonicalLetters, writeResource } from "./grammar.js";
import type { ResourceScopeInput } from "./types.js";

/**
 * Writes one v2 resource scope, permissions in canonical `c r u d s` order, e.g. `patient/Observation.rs`.
 * Granular params are appended as `?k=v&k2=v2` exactly as given.
 */
export function resourceScope(input: ResourceScopeInput): string {
  if (input === null || typeof input !== "object") {
    throw new TypeError('resourceScope: pass { context: "patient" | "user" | "system", resource, perms }');
  }
  const { context, resource, perms, params } = input;
  const letters = canonicalLetters(
    perms === "*" ? ["c", "r", "u", "d", "s"] : typeof perms === "string" ? [...perms] : Array.isArray(perms) ? perms : [0],
    "resourceScope",
  );
  let pairs: unknown = params ?? [];
  if (!Array.isArray(pairs)) {
    pairs = typeof pairs === "object" && pairs !== null ? Object.entries(pairs) : [[]];
  }
  const list = (pairs as unknown[]).map((p) => (Array.isArray(p) ? p : []));
  return writeResource(context, resource, letters, list, false, "resourceScope");
}

/**
 * Joins scope tokens with single spaces, dropping falsy entries and later duplicates (exact string match).
 * Throws TypeError for a token with whitespace, '"', '\' or a control character (checklist E19).
 */
export function buildScopes(scopes: ReadonlyArray<string | false | null | undefined>): string {
  if (!Array.isArray(scopes)) throw new TypeError("buildScopes: pass an array of scope strings");
  const out: string[] = [];
  scopes.forEach((scope, i) => {
    if (!scope) return;
    if (typeof scope !== "string") throw new TypeError(`buildScopes: scopes[${i}] must be a string, false, null or undefined`);
    // RFC 6749 §3.3 scope-token: no space, '"' or '\'
    if (/[\s"\\\u0000-\u001f\u007f]/.test(scope)) {
      throw new TypeError(`buildScopes: scopes[${i}] must be one scope token: no whitespace, '"', '\\' or control characters`);
    }
    if (!out.includes(scope)) out.push(scope);
  });
  return out.join(" ");
}
