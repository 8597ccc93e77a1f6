/**
 * The scope grammar as three regexes, kept verbatim from before the hand-written parser of grammar.ts: an oracle
 * that parse-equivalence.test.ts checks parseScope against, token for token and key for key.
 */
import type { ParsedScope } from "../src/index.js";

const SIMPLE: readonly unknown[] = ["openid", "fhirUser", "profile", "offline_access", "online_access", "launch"];
const FORBIDDEN = /[\s"\\\u0000-\u001f\u007f]/;
const RESOURCE = /^(patient|user|system)\/(\*|[A-Z][A-Za-z0-9]*)\.(read|write|\*|c?r?u?d?s?)(?:\?([^]*))?$/;
const LAUNCH_CONTEXT = /^launch\/([A-Za-z][A-Za-z0-9]*)(?:\?role=([^&]+))?$/;
const V1 = [
  ["read", "rs"],
  ["write", "cud"],
  ["*", "cruds"],
] as const;

function referenceToken(raw: string): ParsedScope {
  if (SIMPLE.includes(raw)) return { kind: raw as "openid", raw };
  if (FORBIDDEN.test(raw)) return { kind: "unknown", raw };
  const launchContext = LAUNCH_CONTEXT.exec(raw);
  if (launchContext) {
    const [, type = "", role] = launchContext;
    return { kind: "launch-context", raw, type, ...(role && { role }) };
  }
  const [, context, resource = "", access, query] = RESOURCE.exec(raw) ?? [];
  const params =
    query === undefined
      ? []
      : /^[^=&]+=[^&]+(&[^=&]+=[^&]+)*$/.test(query)
        ? [...query.matchAll(/([^=&]+)=([^&]+)/g)].map(([, name = "", value = ""]): [string, string] => [name, value])
        : undefined;
  const v1 = V1.find(([word]) => word === access);
  if (access && params && !(v1 && params.length)) {
    const scope = {
      kind: "resource",
      raw,
      context: context as "patient",
      resource,
      permissions: [...(v1?.[1] ?? access)] as "r"[],
      params,
    } as const;
    return v1 ? { ...scope, syntax: "v1", v1Access: v1[0] } : { ...scope, syntax: "v2" };
  }
  return { kind: "unknown", raw };
}

/** What parseScope returned before: split on runs of ASCII whitespace, then one token at a time. */
export const referenceParse = (scope: string): ParsedScope[] =>
  scope
    .split(/[\t\n\v\f\r ]+/)
    .filter(Boolean)
    .map(referenceToken);
