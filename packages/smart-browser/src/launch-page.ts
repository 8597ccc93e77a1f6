import { generateState, startLaunch } from "@fhir-dsl/smart";
import { binding, environment, launchOptions, type BrowserAppOptions } from "./flow.js";

/**
 * The launch page's one call (SMART 2.2 app-launch.html#launch-app-ehr-launch): an EHR launch when the page
 * URL carries `iss` and `launch`, else a standalone launch against the page's `iss` or `options.fhirBaseUrl`
 * (an `iss` must be `fhirBaseUrl` or in `trustedIssuers`, E15). The launch record (PKCE verifier included)
 * waits in web storage under its own `state` key; the page then navigates to the authorization endpoint.
 * Resolves to the authorization URL it navigated to.
 */
export async function authorize(options: BrowserAppOptions): Promise<string> {
  const env = environment("authorize", options);
  if (typeof options.scope !== "string")
    throw new TypeError('authorize needs scope, e.g. "launch openid fhirUser patient/*.rs"');
  const page = new URL(env.location.href);
  const redirectUri = options.redirectUri ?? new URL(".", page).href;
  const launch = launchOptions(options, env, options.scope, redirectUri);
  // checklist 2.33: the state is bound to this storage (this tab, with sessionStorage) by a random value kept in it
  const session = binding(env, generateState)!;
  const iss = page.searchParams.get("iss");
  const start = await startLaunch(
    launch,
    iss !== null && page.searchParams.has("launch")
      ? { ehrLaunch: page.searchParams, session }
      : { fhirBaseUrl: iss ?? options.fhirBaseUrl, session },
  );
  env.location.assign(start.url);
  return start.url;
}
