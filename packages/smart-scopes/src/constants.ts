// SMART 2.2 scopes-and-launch-context.html#scopes-for-requesting-identity-data
export const openid = "openid" as const;
export const fhirUser = "fhirUser" as const;
/** Legacy (pre-2.0) identity scope, kept so old grants parse. */
export const profile = "profile" as const;
// SMART 2.2 scopes-and-launch-context.html#scopes-for-requesting-a-refresh-token
export const offlineAccess = "offline_access" as const;
export const onlineAccess = "online_access" as const;
// SMART 2.2 scopes-and-launch-context.html#scopes-for-requesting-context-data
export const launch = "launch" as const;
export const launchPatient = "launch/patient" as const;
export const launchEncounter = "launch/encounter" as const;

/** The prefix of a resource scope: whose data it reaches. */
export type ScopeContext = "patient" | "user" | "system";
/** One v2 permission letter: create, read, update, delete, search. */
export type Permission = "c" | "r" | "u" | "d" | "s";
/** A FHIR interaction a grant is asked about. */
export type Interaction = "create" | "read" | "update" | "delete" | "search";
