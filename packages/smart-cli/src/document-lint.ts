import { trimTrailingSlashes } from "@fhir-dsl/smart";
/** A problem of a smart-configuration document, with the spec section it breaks. */
export interface Problem {
  severity: "error" | "warning";
  field?: string;
  message: string;
  spec: string;
}

const CONFORMANCE = "https://hl7.org/fhir/smart-app-launch/conformance.html";
export const SPEC = {
  metadata: `${CONFORMANCE}#metadata`,
  wellKnown: `${CONFORMANCE}#using-well-known`,
  capabilities: `${CONFORMANCE}#capabilities`,
  pkce: "https://hl7.org/fhir/smart-app-launch/app-launch.html#considerations-for-pkce-support",
  tls: "https://hl7.org/fhir/smart-app-launch/app-launch.html#app-protection",
  cors: "https://hl7.org/fhir/smart-app-launch/app-launch.html#considerations-for-cross-origin-resource-sharing-cors-support",
  openid: "https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#scopes-for-requesting-identity-data",
  asymmetric:
    "https://hl7.org/fhir/smart-app-launch/client-confidential-asymmetric.html#advertising-server-support-for-this-profile",
  legacy: CONFORMANCE,
  backend: "https://hl7.org/fhir/smart-app-launch/backend-services.html",
  launch: "https://hl7.org/fhir/smart-app-launch/app-launch.html",
} as const;

export const URL_FIELDS = [
  "authorization_endpoint",
  "token_endpoint",
  "registration_endpoint",
  "management_endpoint",
  "introspection_endpoint",
  "revocation_endpoint",
  "jwks_uri",
  "user_access_brand_bundle",
  "smart_app_state_endpoint",
] as const;
const RECOMMENDED = [
  "scopes_supported",
  "response_types_supported",
  "introspection_endpoint",
  "revocation_endpoint",
  "management_endpoint",
];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const present = (v: unknown) => v !== undefined && v !== null && v !== "";

/** Loopback hosts, where plain http is fine (RFC 8252 §8.3). */
export const isLoopback = (url: URL): boolean => /^(localhost|\[::1\]|127\.\d+\.\d+\.\d+)$/.test(url.hostname);

/** "https", "loopback" (http to loopback), "http" (plain http elsewhere) or "invalid". */
export function transportOf(value: string, base: string): "https" | "loopback" | "http" | "invalid" {
  let url: URL;
  try {
    url = new URL(value, `${trimTrailingSlashes(base)}/`);
  } catch {
    return "invalid";
  }
  if (url.protocol === "https:") return "https";
  if (url.protocol !== "http:") return "invalid";
  return isLoopback(url) ? "loopback" : "http";
}

/** Required members (SMART 2.2 conformance.html#metadata), given the capabilities listed. */
export function requiredFields(doc: Record<string, unknown>): string[] {
  const caps = Array.isArray(doc.capabilities) ? doc.capabilities : [];
  const fields = ["token_endpoint", "capabilities", "code_challenge_methods_supported", "grant_types_supported"];
  if (caps.includes("launch-ehr") || caps.includes("launch-standalone")) fields.push("authorization_endpoint");
  if (caps.includes("sso-openid-connect")) fields.push("issuer", "jwks_uri");
  return fields;
}

/**
 * Every problem of the document a strict reading of SMART 2.2 finds: the library's validation stops at the
 * first fatal one and tolerates what real servers send, so this lists the rest for the user.
 */
export function lintDocument(raw: unknown, fhirBaseUrl: string): Problem[] {
  if (!isRecord(raw)) return [{ severity: "error", message: "the document is not a JSON object", spec: SPEC.metadata }];
  const problems: Problem[] = [];
  const add = (severity: Problem["severity"], field: string | undefined, message: string, spec: string) =>
    problems.push({ severity, ...(field !== undefined && { field }), message, spec });
  for (const field of requiredFields(raw))
    if (!present(raw[field])) add("error", field, `${field} is required`, SPEC.metadata);
  for (const field of RECOMMENDED)
    if (!present(raw[field])) add("warning", field, `${field} is recommended`, SPEC.metadata);
  const methods = raw.code_challenge_methods_supported;
  if (present(methods) && !(Array.isArray(methods) && methods.includes("S256")))
    add("error", "code_challenge_methods_supported", "must include S256", SPEC.pkce);
  if (Array.isArray(methods) && methods.includes("plain"))
    add("error", "code_challenge_methods_supported", "must not include plain", SPEC.pkce);
  const caps = Array.isArray(raw.capabilities) ? raw.capabilities : [];
  const algs = raw.token_endpoint_auth_signing_alg_values_supported;
  if (
    caps.includes("client-confidential-asymmetric") &&
    !(Array.isArray(algs) && (algs.includes("RS384") || algs.includes("ES384")))
  ) {
    add(
      "error",
      "token_endpoint_auth_signing_alg_values_supported",
      "must list RS384 or ES384 with client-confidential-asymmetric",
      SPEC.asymmetric,
    );
  }
  if (!caps.includes("sso-openid-connect") && present(raw.issuer))
    add("warning", "issuer", "is listed without sso-openid-connect", SPEC.metadata);
  for (const field of URL_FIELDS) {
    const value = raw[field];
    if (!present(value)) continue;
    if (typeof value !== "string") {
      add("error", field, "must be a string", SPEC.metadata);
      continue;
    }
    if (!URL.canParse(value))
      add("warning", field, "is a relative URL: conformant servers send absolute URLs", SPEC.wellKnown);
    const transport = transportOf(value, fhirBaseUrl);
    if (transport === "http") add("error", field, `is plain http on a host that is not loopback (${value})`, SPEC.tls);
    if (transport === "invalid") add("error", field, "is not an http(s) URL", SPEC.metadata);
  }
  for (const [field, value] of Object.entries(raw)) {
    if (value === null) add("warning", field, "is null: leave out what is not supported", SPEC.metadata);
  }
  return problems;
}
