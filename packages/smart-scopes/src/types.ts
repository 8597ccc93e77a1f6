import type { Permission, ScopeContext } from "./constants.js";

/** Input of {@link resourceScope}. */
export interface ResourceScopeInput {
  context: ScopeContext;
  /** A FHIR resource type such as `"Observation"`, or `"*"` for every type. */
  resource: string;
  /** Letters of `cruds` in any order (written out in canonical order), or `"*"` for all of them. */
  perms: Permission[] | "*" | string;
  /** Granular restrictions, written as `?k=v&k2=v2` exactly as given (no percent-encoding). */
  params?: Record<string, string> | [string, string][];
}

/** A resource scope such as `patient/Observation.rs` or `user/*.read`. */
export interface ParsedResourceScope {
  kind: "resource";
  raw: string;
  context: ScopeContext;
  resource: string;
  /** Granted letters in canonical `c r u d s` order; v1 `.read` is `["r","s"]`. */
  permissions: Permission[];
  syntax: "v1" | "v2";
  /** Present for v1 scopes: the suffix as written. */
  v1Access?: "read" | "write" | "*";
  /** Granular `?k=v` restrictions in written order, values as written. */
  params: [string, string][];
}

/** `launch/patient`, `launch/encounter`, `launch/<type>?role=<uri>`. */
export interface ParsedLaunchContextScope {
  kind: "launch-context";
  raw: string;
  type: string;
  role?: string;
}

export type ParsedScope =
  | ParsedResourceScope
  | { kind: "openid" | "fhirUser" | "profile" | "offline_access" | "online_access" | "launch"; raw: string }
  | ParsedLaunchContextScope
  | { kind: "unknown"; raw: string };
