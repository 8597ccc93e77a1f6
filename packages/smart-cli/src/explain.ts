import { diffScopes, parseScope, type ParsedScope, type ScopeDiff } from "@fhir-dsl/smart";

const SPEC = "https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html";

/** One scope in words, as `smart scopes --json` prints it. */
export interface ExplainedScope {
  scope: string;
  kind: ParsedScope["kind"];
  /** For resource scopes. */
  syntax?: "v1" | "v2";
  context?: string;
  resource?: string;
  permissions?: string[];
  params?: [string, string][];
  /** The v2 spelling of a v1 resource scope. */
  v2?: string;
  explanation: string;
  spec: string;
}

const VERBS: Record<string, string> = { c: "create", r: "read", u: "update", d: "delete", s: "search" };
const WHOSE: Record<string, string> = {
  patient: "of the patient in context",
  user: "that the signed-in user may access",
  system: "as the client itself, with no user (Backend Services)",
};
const SIMPLE: Record<string, [string, string]> = {
  openid: ["OpenID Connect: an id_token saying who signed in", "#scopes-for-requesting-identity-data"],
  fhirUser: [
    "the id_token names the user's FHIR resource (fhirUser claim: Patient, Practitioner, ...)",
    "#scopes-for-requesting-identity-data",
  ],
  profile: [
    "legacy (SMART v1) form of fhirUser: the id_token names the user's FHIR resource",
    "#scopes-for-requesting-identity-data",
  ],
  offline_access: [
    "a refresh token that outlives the session (offline access)",
    "#scopes-for-requesting-a-refresh-token",
  ],
  online_access: ["a refresh token valid only while the user is online", "#scopes-for-requesting-a-refresh-token"],
  launch: ["EHR launch: the app receives the launch context of the EHR session", "#scopes-for-requesting-context-data"],
};

const list = (words: string[]): string =>
  words.length < 2 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;

/** Explains one parsed scope (SMART 2.2 scopes-and-launch-context.html). */
export function explainScope(p: ParsedScope): ExplainedScope {
  if (p.kind === "resource") {
    const what = p.resource === "*" ? "resources of every type" : `${p.resource} resources`;
    const where = p.params.length ? ` where ${p.params.map(([k, v]) => `${k}=${v}`).join(" and ")}` : "";
    const v2 = p.syntax === "v1" ? `${p.context}/${p.resource}.${p.permissions.join("")}` : undefined;
    const verbs = list(p.permissions.map((l) => VERBS[l] ?? l));
    return {
      scope: p.raw,
      kind: p.kind,
      syntax: p.syntax,
      context: p.context,
      resource: p.resource,
      permissions: [...p.permissions],
      params: p.params.map(([k, v]) => [k, v]),
      ...(v2 && { v2 }),
      explanation: `${verbs} ${what} ${WHOSE[p.context]}${where}${v2 ? ` (SMART v1 syntax; v2: ${v2})` : ""}${p.params.length ? " (granular scope)" : ""}`,
      spec: `${SPEC}#fhir-resource-scope-syntax`,
    };
  }
  if (p.kind === "launch-context") {
    const role = p.role ? ` in the role ${p.role}` : "";
    return {
      scope: p.raw,
      kind: p.kind,
      explanation: `standalone launch: the server asks the user to pick a ${p.type}${role} and returns it as launch context`,
      spec: `${SPEC}#scopes-for-requesting-context-data`,
    };
  }
  const simple = SIMPLE[p.kind];
  if (simple) return { scope: p.raw, kind: p.kind, explanation: simple[0], spec: SPEC + simple[1] };
  return {
    scope: p.raw,
    kind: p.kind,
    explanation: "not a SMART scope: server-specific, passed through unchanged",
    spec: SPEC,
  };
}

/** Explains every token of a scope string, in the order written. */
export const explainScopes = (scope: string): ExplainedScope[] => parseScope(scope).scopes.map(explainScope);

/** `smart scopes --diff` as JSON. */
export interface ScopeDiffJson {
  requested: string;
  granted: string;
  missing: string[];
  added: string[];
  narrowed: string[];
  widened: string[];
  unchanged: boolean;
}

export function scopeDiffJson(requested: string, granted: string): ScopeDiffJson {
  const d: ScopeDiff = diffScopes(requested, granted);
  return {
    requested: d.requested.toString(),
    granted: d.granted.toString(),
    missing: d.missing,
    added: d.added,
    narrowed: d.narrowed,
    widened: d.widened,
    unchanged: d.unchanged,
  };
}

/** Lines describing a diff: narrowed, dropped, widened, added. */
export function diffLines(d: ScopeDiffJson): string[] {
  if (d.unchanged) return ["granted exactly what was requested"];
  const narrowed = new Set(d.narrowed);
  const widened = new Set(d.widened);
  return [
    ...d.narrowed.map((s) => `narrowed: ${s} was granted only in part`),
    ...d.missing.filter((s) => !narrowed.has(s)).map((s) => `dropped:  ${s} was not granted`),
    ...d.widened.map((s) => `widened:  ${s} reaches beyond what was requested`),
    ...d.added.filter((s) => !widened.has(s)).map((s) => `added:    ${s} was granted without being requested`),
  ];
}
