// Compiled with tsc --noEmit: the package's types as an ESM TypeScript user sees them.
import { buildScopes, fhirUser, offlineAccess, openid, parseScope, resourceScope } from "@fhir-dsl/smart-scopes";
import type { ParsedScope, ResourceScopeInput, ScopeSet } from "@fhir-dsl/smart-scopes";

const input: ResourceScopeInput = { context: "patient", resource: "Observation", perms: ["r", "s"] };
export const scope: string = buildScopes([openid, fhirUser, offlineAccess, "launch/patient", resourceScope(input)]);
const set: ScopeSet = parseScope(scope);
export const first: ParsedScope | undefined = set.scopes[0];
export const allowed: boolean = set.allows("read", "Observation", "patient");
// @ts-expect-error the context is "patient" | "user" | "system" (proves the types are not `any`)
resourceScope({ context: "practitioner", resource: "Observation", perms: "rs" });
