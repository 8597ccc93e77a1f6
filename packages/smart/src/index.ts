// @fhir-dsl/smart: SMART on FHIR v2 authorization. Re-exports the sibling packages' public API so every
// import of the README works from this package alone.
export * from "@fhir-dsl/smart-scopes";
export * from "@fhir-dsl/smart-pkce";
export {
  DiscoveryError,
  DiscoveryErrorCode,
  capabilitySets,
  clearDiscoveryCache,
  hasCapability,
  smartConfigurationUrl,
  validateSmartConfiguration,
  type CapabilitySet,
  type DiscoveryOptions,
  type SmartCapability,
  type SmartConfiguration,
} from "@fhir-dsl/smart-discovery";
export {
  InMemoryTokenStore,
  TokenStoreError,
  TokenStoreErrorCode,
  hasLock,
  isStale,
  toStoredToken,
  type FhirContextEntry,
  type LockingTokenStore,
  type StoredToken,
  type TokenLock,
  type TokenResponse,
  type TokenStore,
} from "@fhir-dsl/token-store";

export { discoverSmartConfiguration, fhirBaseOf } from "./discovery.js";
export { SmartAuthError, SmartAuthErrorCode, type SmartAuthErrorOptions } from "./errors.js";
export type { AuthProvider, AuthRequest } from "./auth-provider.js";
export { createAuthorizedFetch, type AuthorizedFetchOptions } from "./authorized-fetch.js";
export type { AssertionAlg, ClientAuthentication, ClientAuthShorthand } from "./client-auth.js";
export type { TransportOptions } from "./endpoint.js";
export { BackendServicesAuth, type BackendServicesAuthOptions } from "./backend-services.js";
