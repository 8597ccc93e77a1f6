import { DiscoveryError, DiscoveryErrorCode } from "./errors.js";
import type { SmartConfiguration, ValidateOptions } from "./types.js";
import { normaliseFhirBase } from "./url.js";
import { validateSmartConfiguration } from "./validate.js";

const REGISTRY = "http://fhir-registry.smarthealthit.org/StructureDefinition/";
/** SMART 1.0 conformance.html#declaring-support-for-oauth2-endpoints: the endpoints, in a CapabilityStatement. */
export const OAUTH_URIS_EXTENSION = `${REGISTRY}oauth-uris`;
/** SMART 1.0: one `valueCode` per capability, beside the oauth-uris extension. */
export const CAPABILITIES_EXTENSION = `${REGISTRY}capabilities`;

// oauth-uris sub-extension -> smart-configuration member (`${name}_endpoint` for the rest)
const MEMBERS: Record<string, string> = {
  authorize: "authorization",
  register: "registration",
  manage: "management",
  introspect: "introspection",
  revoke: "revocation",
  token: "token",
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
// own members only: a CapabilityStatement is outside input (`__proto__`, `constructor` are just names)
const own = (object: Record<string, unknown>, key: string): unknown =>
  Object.hasOwn(object, key) ? object[key] : undefined;

/**
 * The smart-configuration a SMART v1 server declares in its CapabilityStatement (`{fhirBase}/metadata`,
 * `rest[].security.extension[oauth-uris]`), validated like a .well-known document and marked `legacy: true`.
 * A legacy server does not advertise PKCE: `code_challenge_methods_supported` is `["S256"]` because this
 * client always sends S256, not because the server said so. `sso-openid-connect` is dropped (no `issuer`
 * or `jwks_uri` to verify an id_token with). Throws DiscoveryError (`discovery_invalid_document`,
 * `discovery_insecure_url`, `field` set) when there is no oauth-uris extension or it is unusable.
 */
export function smartConfigurationFromCapabilityStatement(
  document: unknown,
  fhirBaseUrl: string | URL,
  options: ValidateOptions = {},
): SmartConfiguration {
  const url = `${normaliseFhirBase(fhirBaseUrl)}/metadata`;
  const found = readCapabilityStatement(document, fhirBaseUrl, options, url);
  if (typeof found === "string")
    throw new DiscoveryError(`${url} ${found}`, { code: DiscoveryErrorCode.InvalidDocument, url });
  return found;
}

/** Typed failures naming the CapabilityStatement's member, for one document at `url`. */
function readerAt(url: string) {
  const fail = (
    field: string,
    problem: string,
    code: DiscoveryErrorCode = DiscoveryErrorCode.InvalidDocument,
  ): never => {
    throw new DiscoveryError(`${url}: ${field} ${problem}`, { code, url, field });
  };
  return {
    fail,
    list: (value: unknown, field: string): unknown[] =>
      Array.isArray(value) ? value : fail(field, "must be an array"),
    object: (value: unknown, field: string): Record<string, unknown> =>
      isObject(value) ? value : fail(field, "must be an object"),
  };
}
type Reader = ReturnType<typeof readerAt>;

/** As smartConfigurationFromCapabilityStatement, but returns why when there is nothing to read (no SMART declaration). */
export function readCapabilityStatement(
  document: unknown,
  fhirBaseUrl: string | URL,
  options: ValidateOptions,
  url: string,
): SmartConfiguration | string {
  const read = readerAt(url);
  const type = isObject(document) && own(document, "resourceType");
  // DSTU2 servers call it Conformance
  if (type !== "CapabilityStatement" && type !== "Conformance") return "is not a CapabilityStatement";

  const rest = read.list(own(document as Record<string, unknown>, "rest") ?? [], "rest");
  for (let r = 0; r < rest.length; r++) {
    const entry = rest[r];
    const security = isObject(entry) && own(entry, "mode") !== "client" ? own(entry, "security") : undefined;
    if (security === undefined) continue;
    const found = securityExtensions(read, security, `rest[${r}].security`);
    if (!found.uris) continue;
    const { config, fieldOf } = oauthUris(read, found.uris, found.urisAt);
    config.capabilities = found.capabilities.filter((c) => c !== "sso-openid-connect");
    config.code_challenge_methods_supported = ["S256"];
    try {
      return { ...validateSmartConfiguration(config, fhirBaseUrl, options), legacy: true };
    } catch (error) {
      // the same checks as a .well-known document; `field` names the CapabilityStatement's member
      if (!DiscoveryError.is(error)) throw error;
      throw new DiscoveryError(url + error.message.slice(error.url.length), {
        code: error.code,
        url,
        field: fieldOf[error.field!] ?? found.urisAt,
      });
    }
  }
  return "has no SMART oauth-uris extension";
}

/** One `rest[].security`: its SMART capabilities and its one oauth-uris extension (if any). */
function securityExtensions(read: Reader, security: unknown, securityAt: string) {
  const at = `${securityAt}.extension`;
  const extensions = read.list(own(read.object(security, securityAt), "extension") ?? [], at);
  let uris: unknown[] | undefined;
  let urisAt = "";
  const capabilities: string[] = [];
  for (let i = 0; i < extensions.length; i++) {
    const extension = read.object(extensions[i], `${at}[${i}]`);
    const kind = own(extension, "url");
    if (kind === CAPABILITIES_EXTENSION) {
      const code = own(extension, "valueCode");
      capabilities.push(typeof code === "string" ? code : read.fail(`${at}[${i}].valueCode`, "must be a string"));
    } else if (kind === OAUTH_URIS_EXTENSION) {
      // two oauth-uris extensions may disagree: which endpoints to trust is not guessed
      if (uris) read.fail(`${at}[${i}]`, "repeats oauth-uris");
      urisAt = `${at}[${i}].extension`;
      uris = read.list(own(extension, "extension"), urisAt);
    }
  }
  return { uris, urisAt, capabilities };
}

/** The endpoints of an oauth-uris extension as `<member>_endpoint` fields, and where each was read. */
function oauthUris(read: Reader, uris: unknown[], urisAt: string) {
  const config: Record<string, unknown> = {};
  const fieldOf: Record<string, string> = {};
  for (let i = 0; i < uris.length; i++) {
    const field = `${urisAt}[${i}]`;
    const item = read.object(uris[i], field);
    const name = own(item, "url");
    if (typeof name !== "string") read.fail(`${field}.url`, "must be a string");
    const member = own(MEMBERS, name as string);
    if (member === undefined) continue; // an extension this client does not use
    const key = `${member}_endpoint`;
    if (key in config) read.fail(field, `repeats ${name}`);
    // R4 declares valueUri; some servers write valueUrl
    const value = own(item, "valueUri") ?? own(item, "valueUrl");
    config[key] =
      typeof value === "string" && value ? value : read.fail(`${field}.valueUri`, "must be a non-empty string");
    fieldOf[key] = `${field}.valueUri`;
  }
  if (!config.token_endpoint) read.fail(urisAt, "has no token");
  return { config, fieldOf };
}
