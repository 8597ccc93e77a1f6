export { startSandbox } from "./sandbox.js";
export { FIXTURES, type FhirResource } from "./fixtures.js";
export { CAPABILITIES } from "./discovery.js";
export {
  SandboxError,
  SANDBOX_AUTHORIZE_FAILED,
  SANDBOX_INVALID_CLIENT,
  SANDBOX_START_FAILED,
  type SandboxErrorCode,
  type SandboxErrorInit,
} from "./errors.js";
export type {
  AuthorizeInit,
  ClientRegistration,
  FhirContextItem,
  JWK,
  LaunchContext,
  Sandbox,
  SandboxFaults,
  SandboxGrantType,
  SandboxOptions,
  SandboxStats,
  TokenEndpointAuthMethod,
} from "./types.js";
