import { FIXTURES } from "./fixtures.js";

export interface Endpoints {
  url: string;
  fhirBaseUrl: string;
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  introspectionEndpoint: string;
  revocationEndpoint: string;
}

export const CAPABILITIES = [
  "launch-ehr",
  "launch-standalone",
  "authorize-post",
  "client-public",
  "client-confidential-symmetric",
  "client-confidential-asymmetric",
  "sso-openid-connect",
  "context-banner",
  "context-style",
  "context-ehr-patient",
  "context-ehr-encounter",
  "context-standalone-patient",
  "context-standalone-encounter",
  "permission-offline",
  "permission-online",
  "permission-patient",
  "permission-user",
  "permission-v1",
  "permission-v2",
] as const;

/** SMART 2.2 conformance.html#metadata: the document served at {fhirBase}/.well-known/smart-configuration. */
export function smartConfiguration(e: Endpoints): Record<string, unknown> {
  return {
    issuer: e.issuer,
    jwks_uri: e.jwksUri,
    authorization_endpoint: e.authorizationEndpoint,
    token_endpoint: e.tokenEndpoint,
    introspection_endpoint: e.introspectionEndpoint,
    revocation_endpoint: e.revocationEndpoint,
    grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
    response_types_supported: ["code"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt"],
    token_endpoint_auth_signing_alg_values_supported: ["RS384", "ES384"],
    id_token_signing_alg_values_supported: ["RS256"],
    scopes_supported: [
      "openid",
      "fhirUser",
      "launch",
      "launch/patient",
      "launch/encounter",
      "offline_access",
      "online_access",
      "patient/*.cruds",
      "patient/*.rs",
      "user/*.cruds",
      "user/*.rs",
      "system/*.cruds",
      "system/*.rs",
      "patient/*.read",
      "user/*.read",
      "system/*.read",
    ],
    code_challenge_methods_supported: ["S256"],
    capabilities: [...CAPABILITIES],
  };
}

/**
 * A small public R4 CapabilityStatement with the SMART oauth-uris extension; with `legacy`, also the SMART v1
 * capabilities extension (one valueCode each), as a server without .well-known/smart-configuration declares them.
 */
export function capabilityStatement(e: Endpoints, legacy = false): Record<string, unknown> {
  return {
    resourceType: "CapabilityStatement",
    status: "active",
    date: "2024-01-01",
    kind: "instance",
    software: { name: "@fhir-dsl/smart-sandbox" },
    implementation: { description: "SMART on FHIR sandbox", url: e.fhirBaseUrl },
    fhirVersion: "4.0.1",
    format: ["json"],
    rest: [
      {
        mode: "server",
        security: {
          service: [
            {
              coding: [
                {
                  system: "http://terminology.hl7.org/CodeSystem/restful-security-service",
                  code: "SMART-on-FHIR",
                },
              ],
            },
          ],
          extension: [
            {
              url: "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
              extension: [
                { url: "authorize", valueUri: e.authorizationEndpoint },
                { url: "token", valueUri: e.tokenEndpoint },
                { url: "introspect", valueUri: e.introspectionEndpoint },
                { url: "revoke", valueUri: e.revocationEndpoint },
              ],
            },
            ...(legacy
              ? CAPABILITIES.map((valueCode) => ({
                  url: "http://fhir-registry.smarthealthit.org/StructureDefinition/capabilities",
                  valueCode,
                }))
              : []),
          ],
        },
        resource: FIXTURES.resourceTypes.map((type) => ({
          type,
          interaction: [{ code: "read" }, { code: "search-type" }],
          searchParam:
            type === "Patient" || type === "Practitioner"
              ? [{ name: "_id", type: "token" }]
              : [
                  { name: "_id", type: "token" },
                  { name: "patient", type: "reference" },
                  { name: "subject", type: "reference" },
                  ...(type === "Encounter"
                    ? []
                    : [
                        { name: "category", type: "token" },
                        { name: "code", type: "token" },
                      ]),
                ],
        })),
      },
    ],
  };
}
