import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { FIXTURES, type Sandbox, startSandbox } from "../src/index.js";

// The README's vitest example, verbatim apart from the import path.
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ clients: [{ clientId: "my-app", redirectUris: ["http://127.0.0.1:3000/cb"] }] });
});
afterAll(() => sandbox.close());

it("logs in without a browser and reads the launch patient", async () => {
  const verifier = randomBytes(32).toString("base64url");
  const url = new URL(sandbox.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: "my-app",
    redirect_uri: "http://127.0.0.1:3000/cb",
    scope: "launch/patient openid fhirUser patient/*.rs",
    state: randomBytes(16).toString("hex"),
    aud: sandbox.fhirBaseUrl,
    code_challenge_method: "S256",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
  }).toString();
  const redirect = await sandbox.authorize(url); // http://127.0.0.1:3000/cb?code=…&state=…&iss=…
  const tokens = await (
    await fetch(sandbox.tokenEndpoint, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: "my-app",
        code: redirect.searchParams.get("code")!,
        redirect_uri: "http://127.0.0.1:3000/cb",
        code_verifier: verifier,
      }),
    })
  ).json();
  expect(tokens.patient).toBe(FIXTURES.patient); // "patient-1"
  const patient = await fetch(`${sandbox.fhirBaseUrl}/Patient/${tokens.patient}`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  expect(patient.status).toBe(200);
});
