// @fhir-dsl/smart: SMART on FHIR v2 authorization. Re-exports the sibling packages' public API so every
// import of the README works from this package alone.
export * from "@fhir-dsl/smart-scopes";
export * from "@fhir-dsl/smart-pkce";
export {
  DEFAULT_MAX_RESPONSE_BYTES,
  MAX_URL_LENGTH,
  isTransportAllowed,
  isUnderFhirBase,
  parseFhirBase,
  trimTrailingSlashes,
  type FhirBase,
} from "@fhir-dsl/smart-discovery";
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
export { GrantIssueCode, type GrantIssue } from "./grant-check.js";
export type { AuthProvider, AuthRequest } from "./auth-provider.js";
export { createAuthorizedFetch, type AuthorizedFetchOptions } from "./authorized-fetch.js";
export type { AssertionAlg, ClientAuthentication, ClientAuthShorthand, PrivateKeyInput } from "./client-auth.js";
export type { AssertionSigner } from "./signer.js";
export type { TransportOptions } from "./endpoint.js";
export { BackendServicesAuth, type BackendServicesAuthOptions } from "./backend-services.js";
export {
  buildAuthorizeRequest,
  buildAuthorizeUrl,
  renderAuthorizeForm,
  type AuthorizeFormOptions,
  type AuthorizeRequest,
  type AuthorizeRequestOptions,
  type AuthorizeUrlOptions,
} from "./authorize.js";
export { exchangeCode, type ExchangeCodeOptions } from "./exchange.js";
export { resolveFhirUser, verifyIdToken, type IdTokenClaims, type VerifyIdTokenOptions } from "./id-token.js";
export {
  SmartClient,
  type CallOptions,
  type SmartClientOptions,
  type SmartClientRestoreOptions,
} from "./smart-client.js";
export {
  InMemoryLaunchStateStore,
  type InMemoryLaunchStateStoreOptions,
  type LaunchRecord,
  type LaunchStateStore,
} from "./launch-state.js";
export {
  normaliseBaseUrl,
  SmartLaunch,
  type CallbackOptions,
  type LaunchStart,
  type LaunchStepOptions,
  type SmartLaunchOptions,
} from "./launch.js";
export { startLaunch, type LaunchFrom } from "./launch-start.js";
export { completeLaunch } from "./launch-callback.js";
export {
  introspectToken,
  type IntrospectionResult,
  type IntrospectTokenOptions,
  type TokenEndpointCallOptions,
} from "./introspection.js";
export { revokeToken, type RevokeTokenOptions } from "./revocation.js";
export type { SmartEventListener, SmartLifecycleEvent } from "./lifecycle-events.js";
export {
  DEFAULT_ASSERTION_LIFETIME_SECONDS,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_MAX_AUTHORIZE_URL_LENGTH,
  DEFAULT_MAX_IAT_AGE_SECONDS,
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MAX_RETRY_AFTER_MS,
  DEFAULT_REFRESH_MARGIN_MS,
  DEFAULT_STATE_TTL_MS,
  DEFAULT_TIMEOUT_MS,
  MIN_DEFAULT_LEASE_MS,
} from "./options.js";
