import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { BackendServicesAuth, SmartClient, type SmartConfiguration } from "../src/index.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const FHIR = "https://ehr.example/fhir";
const smartConfig = {
  token_endpoint: "https://ehr.example/auth/token",
  capabilities: [],
  code_challenge_methods_supported: ["S256"],
  grant_types_supported: ["client_credentials", "authorization_code"],
} as SmartConfiguration;
const tokenEndpoint = (async () =>
  new Response(JSON.stringify({ access_token: "at-backend", token_type: "bearer", expires_in: 3600 }), {
    headers: { "content-type": "application/json" },
  })) as typeof fetch;

/** Drops every reference the test holds, then collects until `ref` is gone (or gives up). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 20 && ref.deref(); i++) {
    await new Promise((r) => setTimeout(r, 5));
    gc();
  }
  return ref.deref() === undefined;
}

describe("a provider the app drops is collected with its tokens, long before they would be renewed", () => {
  it("BackendServicesAuth with a one-hour token", async () => {
    const { privateKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, false, ["sign"]);
    const use = async () => {
      const auth = new BackendServicesAuth({
        fhirBaseUrl: FHIR,
        smartConfig,
        clientId: "svc",
        scope: "system/Patient.rs",
        privateKey,
        alg: "ES384",
        fetch: tokenEndpoint,
      });
      expect(await auth.getAuthorization({ url: `${FHIR}/Patient`, method: "GET" })).toBe("Bearer at-backend");
      return new WeakRef(auth);
    };
    expect(await collected(await use())).toBe(true);
  });

  it("SmartClient (a finished user session) with a one-hour token", async () => {
    const use = async () => {
      const smart = new SmartClient({
        smartConfig,
        fhirBaseUrl: FHIR,
        clientId: "app",
        tokens: { access_token: "at-user", token_type: "Bearer", expires_in: 3600, patient: "p1" },
      });
      expect(await smart.getAuthorization({ url: `${FHIR}/Patient/p1`, method: "GET" })).toBe("Bearer at-user");
      return new WeakRef(smart);
    };
    expect(await collected(await use())).toBe(true);
  });
});
