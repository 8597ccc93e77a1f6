import type { BrowserAppOptions } from "@fhir-dsl/smart-browser";

/** What the static app is configured with: `config.json` beside the pages (any static server can serve it). */
export interface AppConfig {
  clientId: string;
  /** The FHIR base of a standalone launch (also trusted as an EHR `iss`). */
  fhirBaseUrl: string;
  /** More EHR FHIR bases accepted as `iss` (E15). */
  trustedIssuers?: string[];
  scope?: string;
}

// online_access, not offline_access: a refresh token in a browser should end when the user's EHR session does
export const DEFAULT_SCOPE = "launch/patient openid fhirUser online_access patient/Patient.rs patient/Observation.rs";

export async function loadOptions(): Promise<BrowserAppOptions> {
  const response = await fetch(new URL("config.json", location.href), { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json answered HTTP ${response.status}`);
  const config = (await response.json()) as AppConfig;
  return {
    clientId: config.clientId,
    scope: config.scope ?? DEFAULT_SCOPE,
    fhirBaseUrl: config.fhirBaseUrl,
    trustedIssuers: config.trustedIssuers ?? [],
    // the registered redirect URI: this app's directory, where index.html is served
    redirectUri: new URL("./", location.href).href,
  };
}
