import type { StoredToken } from "@fhir-dsl/token-store";
import { assertSecureUrl } from "./endpoint.js";

// What a SmartClient session keeps across refreshes, and where its token may go (smart-client.ts).

const CONTEXT_KEYS = [
  "patient",
  "encounter",
  "fhirContext",
  "need_patient_banner",
  "smart_style_url",
  "intent",
  "tenant",
];

/**
 * The refreshed token: launch context, scope, refresh token (E3) and identity carried over from the
 * previous one when the refresh response leaves them out; expiry comes only from the new response.
 */
export function mergeRefreshed(previous: StoredToken, fresh: StoredToken): StoredToken {
  const { expires_in: _in, expires_at: _at, ...kept } = previous;
  const merged: StoredToken = { ...kept, ...fresh };
  for (const key of ["refresh_token", "scope", "id_token", ...CONTEXT_KEYS]) {
    if (fresh[key] === undefined && previous[key] !== undefined) merged[key] = previous[key];
  }
  return merged;
}

// SMART 2.2 app-launch.html#experimental-authorization-details-for-multiple-servers-exp: more FHIR bases for the token.
export function extraLocations(token: StoredToken, allowInsecure: boolean | undefined): string[] {
  const details: unknown = token.authorization_details;
  return (Array.isArray(details) ? details : []).flatMap((item: { type?: unknown; locations?: unknown } | null) =>
    item?.type === "smart_on_fhir" && Array.isArray(item.locations)
      ? item.locations.filter((l) => {
          try {
            return typeof l === "string" && !!assertSecureUrl(l, allowInsecure);
          } catch {
            return false;
          }
        })
      : [],
  );
}
