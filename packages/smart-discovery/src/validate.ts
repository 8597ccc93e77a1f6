import { DiscoveryError, DiscoveryErrorCode } from "./errors.js";
import type { SmartConfiguration, ValidateOptions } from "./types.js";
import { isInsecure, normalizeFhirBase } from "./url.js";

const URL_FIELDS =
  "authorization_endpoint token_endpoint registration_endpoint management_endpoint introspection_endpoint revocation_endpoint jwks_uri user_access_brand_bundle smart_app_state_endpoint".split(" ");
const STRING_FIELDS = ["issuer", "user_access_brand_identifier", ...URL_FIELDS];
const LIST_FIELDS =
  "capabilities code_challenge_methods_supported grant_types_supported token_endpoint_auth_methods_supported token_endpoint_auth_signing_alg_values_supported scopes_supported response_types_supported".split(" ");

// SMART 2.2 conformance.html#metadata: members a capability makes required
const CONDITIONAL = [
  ["authorization_endpoint", "launch-ehr"],
  ["authorization_endpoint", "launch-standalone"],
  ["issuer", "sso-openid-connect"],
  ["jwks_uri", "sso-openid-connect"],
] as const;

type Fail = (field: string | undefined, problem: string, code?: DiscoveryErrorCode) => never;

/**
 * Checks a smart-configuration document (SMART 2.2 conformance.html#metadata) and returns a copy with
 * relative endpoint URLs resolved against the FHIR base plus "/" and unknown members kept.
 * Throws DiscoveryError (`discovery_invalid_document`, `field` set) on the first problem.
 */
export function validateSmartConfiguration(
  document: unknown,
  fhirBaseUrl: string | URL,
  options: ValidateOptions = {},
): SmartConfiguration {
  const base = `${normalizeFhirBase(fhirBaseUrl)}/`;
  const url = `${base}.well-known/smart-configuration`;
  const strict = options.strict === true;
  const fail: Fail = (field, problem, code = DiscoveryErrorCode.InvalidDocument) => {
    throw new DiscoveryError(`Invalid smart-configuration at ${url}: ${field ? `"${field}" ` : ""}${problem}`, { code, url, field });
  };
  if (typeof document !== "object" || document === null || Array.isArray(document)) fail(undefined, "is not a JSON object");
  const config: Record<string, unknown> = { ...(document as Record<string, unknown>) };

  for (const field of [...STRING_FIELDS, ...LIST_FIELDS, "associated_endpoints"]) {
    // Real servers send null or "" for members they do not support; only strict mode holds that against them
    if (!strict && (config[field] === null || config[field] === "")) delete config[field];
  }
  for (const field of STRING_FIELDS) {
    if (config[field] !== undefined && typeof config[field] !== "string") fail(field, "must be a string");
  }
  for (const field of LIST_FIELDS) {
    if (config[field] !== undefined && !isStringList(config[field])) fail(field, "must be an array of strings");
  }

  const capabilities = config.capabilities as string[] | undefined;
  if (capabilities === undefined) fail("capabilities", "is required");
  if (config.token_endpoint === undefined) fail("token_endpoint", "is required");
  const methods = config.code_challenge_methods_supported as string[] | undefined;
  // SMART 2.2 app-launch.html#considerations-for-pkce-support: S256 is mandatory; this client never sends plain
  if (!methods?.includes("S256")) fail("code_challenge_methods_supported", "must include S256");
  if (strict && methods.includes("plain")) fail("code_challenge_methods_supported", "must not include plain");
  for (const [field, capability] of CONDITIONAL) {
    if (config[field] === undefined && capabilities.includes(capability)) fail(field, `is required with ${capability}`);
  }
  if (config.grant_types_supported === undefined) {
    if (strict) fail("grant_types_supported", "is required");
    config.grant_types_supported = defaultGrantTypes(config);
  }

  for (const field of URL_FIELDS) {
    if (config[field] !== undefined) config[field] = resolveEndpoint(config[field] as string, base, field, strict, options, fail);
  }
  if (config.associated_endpoints !== undefined) {
    config.associated_endpoints = validateAssociated(config.associated_endpoints, base, strict, options, fail);
  }
  return config as SmartConfiguration;
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

// A token-only document can only serve backend services; an authorization endpoint means the code flow
function defaultGrantTypes(config: Record<string, unknown>): string[] {
  const grants: string[] = [];
  const capabilities = config.capabilities as string[];
  const methods = (config.token_endpoint_auth_methods_supported as string[] | undefined) ?? [];
  if (config.authorization_endpoint !== undefined) grants.push("authorization_code");
  if (grants.length === 0 || capabilities.includes("client-confidential-asymmetric") || methods.includes("private_key_jwt")) {
    grants.push("client_credentials");
  }
  return grants;
}

// SMART 2.2 conformance.html#using-well-known (checklist 1.4, E10): relative URLs resolve against the base plus "/"
function resolveEndpoint(value: string, base: string, field: string, strict: boolean, options: ValidateOptions, fail: Fail): string {
  if (strict && parseUrl(value) === undefined) fail(field, "must be an absolute URL");
  const url = parseUrl(value, base) ?? fail(field, "is not a URL");
  if (url.protocol !== "https:" && url.protocol !== "http:") fail(field, "must be http(s)");
  if (isInsecure(url, options.allowInsecureRequests)) fail(field, "is plain http", DiscoveryErrorCode.InsecureUrl);
  return url.href;
}

function parseUrl(value: string, base?: string): URL | undefined {
  try {
    return new URL(value, base);
  } catch {
    return undefined;
  }
}

function validateAssociated(value: unknown, base: string, strict: boolean, options: ValidateOptions, fail: Fail) {
  if (!Array.isArray(value)) fail("associated_endpoints", "must be an array");
  return value.map((entry: unknown, i) => {
    const field = `associated_endpoints[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) fail(field, "must be an object");
    const { url, capabilities } = entry as Record<string, unknown>;
    if (typeof url !== "string") fail(`${field}.url`, "must be a string");
    if (!isStringList(capabilities)) fail(`${field}.capabilities`, "must be an array of strings");
    return { ...entry, url: resolveEndpoint(url, base, `${field}.url`, strict, options, fail), capabilities };
  });
}
