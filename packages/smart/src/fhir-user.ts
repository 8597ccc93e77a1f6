import { trimLeadingSlashes, trimTrailingSlashes } from "@fhir-dsl/smart-discovery";
import type { IdTokenClaims } from "./id-token.js";

/** `fhirUser` (or legacy `profile`) as an absolute URL: a relative one resolves against the FHIR base (E18, checklist 3.23). */
export function resolveFhirUser(
  claims: IdTokenClaims | undefined,
  fhirBaseUrl: string | undefined,
): string | undefined {
  const value = [claims?.fhirUser, claims?.profile].find((v) => typeof v === "string");
  if (value === undefined || /^[a-z][a-z0-9+.-]*:/i.test(value) || fhirBaseUrl === undefined) return value;
  return new URL(trimLeadingSlashes(value), `${trimTrailingSlashes(fhirBaseUrl)}/`).href;
}
