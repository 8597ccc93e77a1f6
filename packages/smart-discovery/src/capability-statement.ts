import { DiscoveryError, DiscoveryErrorCode } from "./errors.js";
import type { SmartConfiguration, ValidateOptions } from "./types.js";
import { normalizeFhirBase } from "./url.js";
import { validateSmartConfiguration } from "./validate.js";

/** SMART 1.0 conformance.html#declaring-support-for-oauth2-endpoints: the endpoints, in a CapabilityStatement. */
export const OAUTH_URIS_EXTENSION = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";
/** SMART 1.0: one `valueCode` per capability, beside the oauth-uris extension. */
export const CAPABILITIES_EXTENSION = "http://fhir-registry.smarthealthit.org/StructureDefinition/capabilities";

// oauth-uris sub-extension -> smart-configuration member
const ENDPOINTS: Record<string, string> = {
  authorize: "authorization_endpoint",
  token: "token_endpoint",
  register: "registration_endpoint",
  manage: "management_endpoint",
  introspect: "introspection_endpoint",
  revoke: "revocation_endpoint",
};
// Hard bounds on what is walked: a CapabilityStatement is outside input (the body cap bounds its size too)
const MAX_REST = 32;
const MAX_EXTENSIONS = 256;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const own = (object: Record<string, unknown>, key: string): unknown => (Object.hasOwn(object, key) ? object[key] : undefined);

/**
 * The smart-configuration a SMART v1 server declares in its CapabilityStatement (`{fhirBase}/metadata`,
 * `rest[].security.extension[oauth-uris]`), validated like a .well-known document and marked `legacy: true`.
 * A legacy server does not advertise PKCE: `code_challenge_methods_supported` is `["S256"]` because this
 * client always sends S256, not because the server said so. `sso-openid-connect` is dropped (no `issuer`
 * or `jwks_uri` to verify an id_token with). Throws DiscoveryError (`discovery_invalid_document`,
 * `discovery_insecure_url`, `field` set) when there is no oauth-uris extension or it is unusable.
 */
export function smartConfigurationFromCapabilityStatement(document: unknown, fhirBaseUrl: string | URL, options: ValidateOptions = {}): SmartConfiguration {
  const url = `${normalizeFhirBase(fhirBaseUrl)}/metadata`;
  const found = readCapabilityStatement(document, fhirBaseUrl, options, url);
  if (typeof found === "string") throw new DiscoveryError(`${url}: document ${found}`, { code: DiscoveryErrorCode.InvalidDocument, url });
  return found;
}

/** As smartConfigurationFromCapabilityStatement, but returns why when there is nothing to read (no SMART declaration). */
export function readCapabilityStatement(document: unknown, fhirBaseUrl: string | URL, options: ValidateOptions, url: string): SmartConfiguration | string {
  const fail = (field: string, problem: string, code: DiscoveryErrorCode = DiscoveryErrorCode.InvalidDocument): never => {
    throw new DiscoveryError(`${url}: ${field} ${problem}`, { code, url, field });
  };
  if (!isObject(document)) return "is not a JSON object";
  const type = own(document, "resourceType");
  // DSTU2 servers call it Conformance
  if (type !== "CapabilityStatement" && type !== "Conformance") return "is not a CapabilityStatement";
  const rest = own(document, "rest");
  if (rest === undefined) return "has no rest";
  if (!Array.isArray(rest)) return fail("rest", "must be an array");

  for (let r = 0; r < Math.min(rest.length, MAX_REST); r++) {
    const entry: unknown = rest[r];
    if (!isObject(entry) || own(entry, "mode") === "client") continue;
    const security = own(entry, "security");
    if (security === undefined) continue;
    if (!isObject(security)) return fail(`rest[${r}].security`, "must be an object");
    const extensions = own(security, "extension");
    if (extensions === undefined) continue;
    const at = `rest[${r}].security.extension`;
    if (!Array.isArray(extensions)) return fail(at, "must be an array");
    if (extensions.length > MAX_EXTENSIONS) return fail(at, `has more than ${MAX_EXTENSIONS} entries`);
    let uris: unknown[] | undefined;
    let urisAt = "";
    const capabilities: string[] = [];
    for (let i = 0; i < extensions.length; i++) {
      const extension: unknown = extensions[i];
      if (!isObject(extension)) return fail(`${at}[${i}]`, "must be an object");
      const kind = own(extension, "url");
      if (kind === CAPABILITIES_EXTENSION) {
        const code = own(extension, "valueCode");
        if (typeof code !== "string") return fail(`${at}[${i}].valueCode`, "must be a string");
        capabilities.push(code);
      } else if (kind === OAUTH_URIS_EXTENSION) {
        // two oauth-uris extensions may disagree: which endpoints to trust is not guessed
        if (uris) return fail(`${at}[${i}]`, "is a second oauth-uris extension");
        const inner = own(extension, "extension");
        if (!Array.isArray(inner)) return fail(`${at}[${i}].extension`, "must be an array");
        if (inner.length > MAX_EXTENSIONS) return fail(`${at}[${i}].extension`, `has more than ${MAX_EXTENSIONS} entries`);
        uris = inner;
        urisAt = `${at}[${i}].extension`;
      }
    }
    if (!uris) continue;

    const config: Record<string, unknown> = {};
    const fieldOf: Record<string, string> = {};
    for (let i = 0; i < uris.length; i++) {
      const item: unknown = uris[i];
      const field = `${urisAt}[${i}]`;
      if (!isObject(item)) return fail(field, "must be an object");
      const name = own(item, "url");
      if (typeof name !== "string") return fail(`${field}.url`, "must be a string");
      const member = Object.hasOwn(ENDPOINTS, name) ? ENDPOINTS[name] : undefined;
      if (member === undefined) continue; // an extension this client does not use
      if (config[member] !== undefined) fail(field, `repeats "${name}"`);
      // R4 declares valueUri; some servers write valueUrl
      const value = own(item, "valueUri") ?? own(item, "valueUrl");
      if (typeof value !== "string" || value === "") return fail(`${field}.valueUri`, "must be a non-empty string");
      config[member] = value;
      fieldOf[member] = `${field}.valueUri`;
    }
    if (config.token_endpoint === undefined) fail(urisAt, 'has no "token" endpoint');
    config.capabilities = capabilities.filter((c) => c !== "sso-openid-connect");
    config.code_challenge_methods_supported = ["S256"];
    let validated: SmartConfiguration;
    try {
      validated = validateSmartConfiguration(config, fhirBaseUrl, options);
    } catch (error) {
      // the same checks as a .well-known document, reported against the CapabilityStatement's fields
      if (!DiscoveryError.is(error)) throw error;
      const prefix = `${error.url}: ${error.field ?? "document"} `;
      const problem = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : "is not usable";
      const written = error.field && fieldOf[error.field];
      if (written) return fail(written, problem, error.code);
      // a member the declaration lacks, e.g. authorization_endpoint "is required with launch-ehr"
      const name = Object.keys(ENDPOINTS).find((key) => ENDPOINTS[key] === error.field);
      return fail(urisAt, name ? `has no "${name}" endpoint, which ${problem}` : problem, error.code);
    }
    return { ...validated, legacy: true };
  }
  return "has no SMART oauth-uris extension";
}
