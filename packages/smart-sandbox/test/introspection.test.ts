import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../src/index.js";
import { discover, insecure, publicLogin, REDIRECT_URI } from "./helpers.js";

let sandbox: Sandbox;
let as: oauth.AuthorizationServer;
const client = { client_id: "app" };
const rs = { client_id: "resource-server" };

beforeAll(async () => {
  sandbox = await startSandbox({
    clients: [
      { clientId: "app", redirectUris: [REDIRECT_URI] },
      { clientId: "resource-server", clientSecret: "rs-secret", grantTypes: [] },
    ],
  });
  as = await discover(sandbox);
});
afterAll(() => sandbox.close());

async function introspect(token: string, as_: "app" | "rs" = "rs") {
  const res =
    as_ === "rs"
      ? await oauth.introspectionRequest(as, rs, oauth.ClientSecretBasic("rs-secret"), token, insecure)
      : await oauth.introspectionRequest(as, client, oauth.None(), token, insecure);
  return oauth.processIntrospectionResponse(as, as_ === "rs" ? rs : client, res);
}

describe("token introspection (SMART 2.2 token-introspection.html, E22)", () => {
  it("an active token shows active, scope (as in the token response), client_id, exp, patient, fhirUser", async () => {
    const tokens = await publicLogin(sandbox, as, "app", "launch/patient openid fhirUser patient/*.rs offline_access");
    const info = await introspect(tokens.access_token);
    expect(info.active).toBe(true);
    expect(info.client_id).toBe("app");
    expect(new Set(info.scope?.split(" "))).toEqual(new Set(tokens.scope?.split(" ")));
    expect(info.exp).toBeGreaterThan(Date.now() / 1000);
    expect(info.patient).toBe("patient-1");
    expect(info.fhirUser).toBe(`${sandbox.fhirBaseUrl}/Practitioner/practitioner-1`);
    expect((await introspect(tokens.access_token, "app")).active).toBe(true);
  });

  it("an unknown or revoked token is inactive", async () => {
    expect((await introspect("nope")).active).toBe(false);
    const tokens = await publicLogin(sandbox, as, "app", "launch/patient patient/*.rs offline_access");
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, oauth.None(), tokens.refresh_token!, insecure),
    );
    expect((await introspect(tokens.refresh_token!)).active).toBe(false);
    // revoking the refresh token ends the grant, and its access tokens with it
    expect((await introspect(tokens.access_token)).active).toBe(false);
  });

  it("introspects backend (client_credentials) tokens too", async () => {
    await sandbox.registerClient({ clientId: "svc", clientSecret: "svc-secret", grantTypes: ["client_credentials"] });
    const svc = { client_id: "svc" };
    const res = await oauth.clientCredentialsGrantRequest(
      as,
      svc,
      oauth.ClientSecretBasic("svc-secret"),
      { scope: "system/Patient.rs" },
      insecure,
    );
    const tokens = await oauth.processClientCredentialsResponse(as, svc, res);
    const info = await introspect(tokens.access_token);
    expect(info).toMatchObject({ active: true, client_id: "svc", scope: "system/Patient.rs" });
  });
});
