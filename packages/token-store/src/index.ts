export type {
  FhirContextEntry,
  LockingTokenStore,
  StoredToken,
  TokenLock,
  TokenResponse,
  TokenStore,
} from "./types.js";
export { hasLock } from "./types.js";
export { isStale, toStoredToken } from "./expiry.js";
export { InMemoryTokenStore, type InMemoryTokenStoreOptions } from "./in-memory.js";
export { TokenStoreError, TokenStoreErrorCode, type TokenStoreErrorOptions } from "./errors.js";
export {
  assertStoredToken,
  corruptValueError,
  invalidValueError,
  storedTokenProblem,
} from "./stored-token-check.js";
export { decodeTokenEnvelope, encodeTokenEnvelope, TOKEN_ENVELOPE_VERSION } from "./token-envelope.js";
