import { canonicalLetters, FORBIDDEN, writeResource } from "./grammar.js";
import type { ResourceScopeInput } from "./types.js";

/**
 * Writes one v2 resource scope, permissions in canonical `c r u d s` order, e.g. `patient/Observation.rs`.
 * Granular params are appended as `?k=v&k2=v2` exactly as given.
 */
export function resourceScope(input: ResourceScopeInput): string {
  if (input === null || typeof input !== "object")
    throw new TypeError("resourceScope: pass { context, resource, perms }");
  const { context, resource, perms, params } = input;
  const letters = canonicalLetters(perms === "*" ? "cruds" : perms, "resourceScope");
  return writeResource(context, resource, letters, params, false, "resourceScope");
}

/**
 * Joins scope tokens with single spaces, dropping falsy entries and later duplicates (exact string match).
 * Throws TypeError for a token with whitespace, '"', '\' or a control character (checklist E19).
 */
export function buildScopes(scopes: ReadonlyArray<string | false | null | undefined>): string {
  if (!Array.isArray(scopes)) throw new TypeError("buildScopes: pass an array of scope strings");
  scopes.forEach((scope, i) => {
    if (scope && (typeof scope !== "string" || FORBIDDEN.test(scope))) {
      throw new TypeError(`buildScopes: scopes[${i}] must be a string, one scope token`);
    }
  });
  return [...new Set(scopes.filter(Boolean))].join(" ");
}
