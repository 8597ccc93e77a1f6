import { generateKeyPair } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BackendServicesAuth,
  clearDiscoveryCache,
  DiscoveryError,
  DiscoveryErrorCode,
  SmartAuthError,
  SmartLaunch,
} from "../src/index.js";

// Issue 16 item 4: a DiscoveryError raised inside BackendServicesAuth or SmartLaunch is passed through, never
// wrapped in a SmartAuthError (README "Errors", ARCHITECTURE.md invariants); only the caller's own abort becomes
// SmartAuthError `aborted`, as for every SMART call (issue 19, tested in cancellation.test.ts).
const BASE = "https://ehr.example/fhir";

/** A fetch that answers the well-known document with `status` (no body a SMART client could use). */
const failingDiscovery = (status: number, seen: string[]) => async (input: RequestInfo | URL) => {
  const url = String(input instanceof Request ? input.url : input);
  seen.push(url);
  return new Response("<html>down</html>", { status, headers: { "content-type": "text/html" } });
};

let privateKey: CryptoKey;
beforeAll(async () => {
  ({ privateKey } = await generateKeyPair("ES384"));
});

describe("a DiscoveryError inside BackendServicesAuth / SmartLaunch is passed through (issue 16 item 4)", () => {
  for (const [status, retryable] of [
    [503, true],
    [404, false],
    [429, true],
  ] as const) {
    it(`BackendServicesAuth: discovery answering ${status} rejects with DiscoveryError discovery_http_status (retryable ${retryable}), nothing signed`, async () => {
      clearDiscoveryCache();
      const seen: string[] = [];
      const auth = new BackendServicesAuth({
        fhirBaseUrl: BASE,
        clientId: "svc",
        scope: "system/Patient.rs",
        privateKey,
        alg: "ES384",
        kid: "k",
        fetch: failingDiscovery(status, seen),
      });
      const error = await auth.getAccessToken().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(SmartAuthError.is(error)).toBe(false);
      expect(DiscoveryError.is(error, DiscoveryErrorCode.HttpStatus)).toBe(true);
      expect(error).toMatchObject({ status, retryable, url: `${BASE}/.well-known/smart-configuration` });
      // a 404 is followed by the SMART v1 fallback (checklist 1.9); no token request follows either way
      const legacyFallback = status === 404 ? [`${BASE}/metadata`] : [];
      expect(seen).toEqual([`${BASE}/.well-known/smart-configuration`, ...legacyFallback]);
    });

    it(`SmartLaunch: discovery of a trusted iss answering ${status} rejects with DiscoveryError discovery_http_status, no state stored`, async () => {
      clearDiscoveryCache();
      const seen: string[] = [];
      const launch = new SmartLaunch({
        clientId: "app",
        redirectUri: "https://app.example/cb",
        scope: "launch patient/*.rs",
        trustedIssuers: [BASE],
        allowUnboundState: true,
        fetch: failingDiscovery(status, seen),
      });
      const error = await launch.ehrLaunch({ iss: BASE, launch: "l-1" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(SmartAuthError.is(error)).toBe(false);
      expect(DiscoveryError.is(error, DiscoveryErrorCode.HttpStatus)).toBe(true);
      expect((error as DiscoveryError).retryable).toBe(retryable);
    });
  }
});
