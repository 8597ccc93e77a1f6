export { RedisTokenStore } from "./redis-token-store.js";
export {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_GRACE_SECONDS,
  DEFAULT_KEY_PREFIX,
  DEFAULT_REFRESH_TOKEN_TTL_SECONDS,
  type RedisTokenStoreOptions,
} from "./options.js";
export { FORMAT_VERSION } from "./envelope.js";
export { DEFAULT_DURABILITY_TIMEOUT_MS, type DurabilityOptions } from "./durability.js";
export { TokenStoreError, TokenStoreErrorCode } from "@fhir-dsl/token-store";
