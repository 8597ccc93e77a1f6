import { DiscoveryError, DiscoveryErrorCode } from "./errors.js";
import type { SmartConfiguration, ValidateOptions } from "./types.js";
import { isHttp, isInsecure, normaliseFhirBase } from "./url.js";

const URL_FIELDS =
  "authorization_endpoint token_endpoint registration_endpoint management_endpoint introspection_endpoint revocation_endpoint jwks_uri user_access_brand_bundle smart_app_state_endpoint".split(
    " ",
  );
const LIST_FIELDS =
  "capabilities code_challenge_methods_supported grant_types_supported token_endpoint_auth_methods_supported token_endpoint_auth_signing_alg_values_supported scopes_supported response_types_supported".split(
    " ",
  );

const isString = (value: unknown): value is string => typeof value === "string";
const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);
const isAbsolute = (value: string): boolean => {
  try {
    return !!new URL(value);
  } catch {
    return false;
  }
};
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

// Each optional member with the check its value must pass, in the order they are checked
const TYPES: [string[], (value: unknown) => boolean, string][] = [
  [["issuer", "user_access_brand_identifier", ...URL_FIELDS], isString, "a string"],
  [LIST_FIELDS, isStringList, "an array of strings"],
  [["associated_endpoints"], Array.isArray, "an array"],
];

// SMART 2.2 conformance.html#metadata: members a capability makes required
const CONDITIONAL = [
  ["authorization_endpoint", "launch-ehr"],
  ["authorization_endpoint", "launch-standalone"],
  ["issuer", "sso-openid-connect"],
  ["jwks_uri", "sso-openid-connect"],
];

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
  const base = `${normaliseFhirBase(fhirBaseUrl)}/`;
  const url = `${base}.well-known/smart-configuration`;
  const strict = options.strict === true;
  const fail: (field: string | undefined, problem: string, code?: DiscoveryErrorCode) => never = (
    field,
    problem,
    code = DiscoveryErrorCode.InvalidDocument,
  ) => {
    throw new DiscoveryError(`${url}: ${field ?? "document"} ${problem}`, { code, url, field });
  };
  // SMART 2.2 conformance.html#using-well-known (checklist 1.4, E10): relative URLs resolve against the base plus "/"
  const resolve = (value: string, field: string): string => {
    let endpoint: URL;
    try {
      endpoint = new URL(value, strict ? undefined : base);
    } catch {
      return fail(field, strict ? "must be an absolute URL" : "is not a URL");
    }
    if (!isHttp(endpoint)) fail(field, "must be http(s)");
    if (isInsecure(endpoint, options.allowInsecureRequests))
      fail(field, "is plain http", DiscoveryErrorCode.InsecureUrl);
    return endpoint.href;
  };

  if (!isObject(document)) return fail(undefined, "is not a JSON object");
  const config = { ...document };
  // the legacy mark is this library's to set (capability-statement.ts), never the server's
  delete config.legacy;
  checkTypes(config, strict, fail);
  checkRequired(config, strict, fail);

  const written = config.token_endpoint as string;
  for (const field of URL_FIELDS) {
    if (config[field] !== undefined) config[field] = resolve(config[field] as string, field);
  }
  // checklist E7: an assertion's aud is the token endpoint exactly as written, so an absolute one is kept byte for
  // byte (it passed the checks above); compare endpoints in normalised form (`new URL(x).href`)
  if (isAbsolute(written)) config.token_endpoint = written;
  config.associated_endpoints &&= (config.associated_endpoints as unknown[]).map((entry, i) => {
    const field = `associated_endpoints[${i}]`;
    if (!isObject(entry)) return fail(field, "must be an object");
    if (!isString(entry.url)) fail(`${field}.url`, "must be a string");
    if (!isStringList(entry.capabilities)) fail(`${field}.capabilities`, "must be an array of strings");
    return { ...entry, url: resolve(entry.url as string, `${field}.url`) };
  });
  return config as SmartConfiguration;
}

type Fail = (field: string | undefined, problem: string, code?: DiscoveryErrorCode) => never;

/** Each known member has its type; a null or "" member counts as absent unless strict. */
function checkTypes(config: Record<string, unknown>, strict: boolean, fail: Fail): void {
  for (const [fields, check, type] of TYPES) {
    for (const field of fields) {
      // Real servers send null or "" for members they do not support; only strict mode holds that against them
      if (!strict && (config[field] === null || config[field] === "")) delete config[field];
      if (config[field] !== undefined && !check(config[field])) fail(field, `must be ${type}`);
    }
  }
}

/** Required members, those a capability makes required, PKCE S256, and grant types inferred when absent. */
function checkRequired(config: Record<string, unknown>, strict: boolean, fail: Fail): void {
  const capabilities = (config.capabilities ?? fail("capabilities", "is required")) as string[];
  if (config.token_endpoint === undefined) fail("token_endpoint", "is required");
  const methods = config.code_challenge_methods_supported as string[] | undefined;
  // SMART 2.2 app-launch.html#considerations-for-pkce-support: S256 is mandatory; this client never sends plain
  if (!methods?.includes("S256")) fail("code_challenge_methods_supported", "must include S256");
  if (strict && methods.includes("plain")) fail("code_challenge_methods_supported", "must not include plain");
  for (const [field = "", capability = ""] of CONDITIONAL) {
    if (config[field] === undefined && capabilities.includes(capability)) fail(field, `is required with ${capability}`);
  }
  if (config.grant_types_supported === undefined) {
    if (strict) fail("grant_types_supported", "is required");
    // A token-only document can only serve backend services; an authorization endpoint means the code flow
    const grants = config.authorization_endpoint === undefined ? [] : ["authorization_code"];
    const auth = (config.token_endpoint_auth_methods_supported ?? []) as string[];
    if (!grants[0] || capabilities.includes("client-confidential-asymmetric") || auth.includes("private_key_jwt"))
      grants.push("client_credentials");
    config.grant_types_supported = grants;
  }
}
