export { KmsEncryptedTokenStore, ENVELOPE_TOKEN_TYPE, REDACTED, type KmsCallStats } from "./kms-encrypted-store.js";
export {
  CONTEXT_PURPOSE,
  DEFAULT_DATA_KEY_CACHE,
  DEFAULT_DECRYPTED_KEY_CACHE,
  type KmsEncryptedTokenStoreOptions,
} from "./options.js";
export { ENVELOPE_VERSION, formatEnvelope, parseEnvelope, type Envelope } from "./envelope.js";
export { TokenStoreError, TokenStoreErrorCode } from "@fhir-dsl/token-store";
