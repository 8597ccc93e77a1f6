export { startSandbox } from "./sandbox.js";
export { FIXTURES, type FhirResource } from "./fixtures.js";
export { CAPABILITIES } from "./discovery.js";
export {
  SandboxError,
  SandboxErrorCode,
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
