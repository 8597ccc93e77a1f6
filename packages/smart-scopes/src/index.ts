export {
  fhirUser,
  type Interaction,
  launch,
  launchEncounter,
  launchPatient,
  offlineAccess,
  onlineAccess,
  openid,
  type Permission,
  profile,
  type ScopeContext,
} from "./constants.js";
export type { ParsedLaunchContextScope, ParsedResourceScope, ParsedScope, ResourceScopeInput } from "./types.js";
export { formatScope } from "./grammar.js";
export { buildScopes, resourceScope } from "./build.js";
export { parseScope, ScopeSet } from "./scope-set.js";
export { diffScopes, type ScopeDiff } from "./diff.js";
export {
  BUDGET_PER_SCOPE,
  type ComparisonOptions,
  DEFAULT_COMPARISON_BUDGET,
  ScopeComparisonError,
  ScopeComparisonErrorCode,
} from "./limits.js";
