import { describe, expect, it } from "vitest";
import { SmartClient } from "../src/index.js";
import { createFakeServer } from "./support/fake-smart-server.js";

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });

describe("SmartClient.grantIssues (checklist E1)", () => {
  it("reports patient/ scopes granted without a patient in context", async () => {
    const server = await createFakeServer();
    const base = { smartConfig: server.config, clientId: "my-app", fhirBaseUrl: server.FHIR, fetch: server.fetch };
    const without = new SmartClient({ ...base, tokens: { access_token: "a", token_type: "Bearer", scope: "patient/Observation.rs" } });
    expect(without.grantIssues).toEqual(["patient scopes granted without a patient in context"]);
    const withPatient = new SmartClient({ ...base, tokens: { access_token: "a", token_type: "Bearer", scope: "patient/Observation.rs", patient: "123" } });
    expect(withPatient.grantIssues).toEqual([]);
    const userOnly = new SmartClient({ ...base, tokens: { access_token: "a", token_type: "Bearer", scope: "user/Observation.rs" } });
    expect(userOnly.grantIssues).toEqual([]);
  });

  it("flags a refresh that returns scopes beyond the original grant (a server bug), and keeps the session", async () => {
    const server = await createFakeServer();
    const smart = new SmartClient({
      smartConfig: server.config,
      clientId: "my-app",
      fhirBaseUrl: server.FHIR,
      fetch: server.fetch,
      tokens: { access_token: "a", token_type: "Bearer", scope: "user/Observation.rs", refresh_token: "rt", expires_in: 300 },
    });
    server.next.push(() => json({ access_token: "b", token_type: "bearer", expires_in: 300, scope: "user/Observation.rs user/Condition.rs" }));
    await smart.refresh();
    expect(smart.token?.access_token).toBe("b");
    expect(smart.grantIssues).toEqual(["refresh widened the grant: user/Condition.rs"]);
    server.next.push(() => json({ access_token: "c", token_type: "bearer", expires_in: 300, scope: "user/Observation.rs" }));
    await smart.refresh();
    expect(smart.grantIssues).toEqual([]);
  });
});
