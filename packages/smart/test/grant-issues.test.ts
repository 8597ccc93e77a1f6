import { describe, expect, it } from "vitest";
import { InMemoryTokenStore } from "@fhir-dsl/token-store";
import { GrantIssueCode, SmartClient, type GrantIssue } from "../src/index.js";
import { createFakeServer } from "./support/fake-smart-server.js";

const messageOf = (issue: GrantIssue) => issue.message;
const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });

describe("SmartClient.grantIssues (checklist E1)", () => {
  it("returns codes with messages beside them, and the widened scopes (issue 16 item 4, checklist 2.56)", async () => {
    const server = await createFakeServer();
    const smart = new SmartClient({
      smartConfig: server.config,
      clientId: "my-app",
      fhirBaseUrl: server.FHIR,
      fetch: server.fetch,
      tokens: {
        access_token: "a",
        token_type: "Bearer",
        scope: "patient/Observation.rs",
        refresh_token: "rt",
        expires_in: 300,
      },
    });
    expect(smart.grantIssues).toEqual([
      {
        code: GrantIssueCode.PatientScopesWithoutPatient,
        message: "patient scopes granted without a patient in context",
      },
    ]);
    server.next.push(() =>
      json({
        access_token: "b",
        token_type: "bearer",
        expires_in: 300,
        scope: "patient/Observation.rs patient/Condition.rs",
        patient: "p1",
      }),
    );
    await smart.refresh();
    expect(smart.grantIssues).toEqual([
      {
        code: GrantIssueCode.RefreshWidenedGrant,
        message: "refresh widened the grant: patient/Condition.rs",
        scopes: ["patient/Condition.rs"],
      },
    ]);
    for (const code of Object.values(GrantIssueCode)) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  it("reports patient/ scopes granted without a patient in context", async () => {
    const server = await createFakeServer();
    const base = { smartConfig: server.config, clientId: "my-app", fhirBaseUrl: server.FHIR, fetch: server.fetch };
    const without = new SmartClient({
      ...base,
      tokens: { access_token: "a", token_type: "Bearer", scope: "patient/Observation.rs" },
    });
    expect(without.grantIssues.map(messageOf)).toEqual(["patient scopes granted without a patient in context"]);
    const withPatient = new SmartClient({
      ...base,
      tokens: { access_token: "a", token_type: "Bearer", scope: "patient/Observation.rs", patient: "123" },
    });
    expect(withPatient.grantIssues.map(messageOf)).toEqual([]);
    const userOnly = new SmartClient({
      ...base,
      tokens: { access_token: "a", token_type: "Bearer", scope: "user/Observation.rs" },
    });
    expect(userOnly.grantIssues.map(messageOf)).toEqual([]);
  });

  it("flags a refresh that returns scopes beyond the original grant (a server bug), and keeps the session", async () => {
    const server = await createFakeServer();
    const smart = new SmartClient({
      smartConfig: server.config,
      clientId: "my-app",
      fhirBaseUrl: server.FHIR,
      fetch: server.fetch,
      tokens: {
        access_token: "a",
        token_type: "Bearer",
        scope: "user/Observation.rs",
        refresh_token: "rt",
        expires_in: 300,
      },
    });
    server.next.push(() =>
      json({
        access_token: "b",
        token_type: "bearer",
        expires_in: 300,
        scope: "user/Observation.rs user/Condition.rs",
      }),
    );
    await smart.refresh();
    expect(smart.token?.access_token).toBe("b");
    expect(smart.grantIssues.map(messageOf)).toEqual(["refresh widened the grant: user/Condition.rs"]);
    server.next.push(() =>
      json({ access_token: "c", token_type: "bearer", expires_in: 300, scope: "user/Observation.rs" }),
    );
    await smart.refresh();
    expect(smart.grantIssues.map(messageOf)).toEqual([]);
  });

  it("compares every refresh with the ORIGINAL grant: a second refresh repeating the widened scope keeps the flag (checklist 2.56, E1)", async () => {
    const server = await createFakeServer();
    const smart = new SmartClient({
      smartConfig: server.config,
      clientId: "my-app",
      fhirBaseUrl: server.FHIR,
      fetch: server.fetch,
      tokens: {
        access_token: "a",
        token_type: "Bearer",
        scope: "user/Observation.rs",
        refresh_token: "rt",
        expires_in: 300,
      },
    });
    const widened = "user/Observation.rs user/Condition.rs user/*.cruds";
    for (const access of ["b", "c", "d"]) {
      server.next.push(() => json({ access_token: access, token_type: "bearer", expires_in: 300, scope: widened }));
      await smart.refresh();
      expect(smart.grantIssues.map(messageOf)).toEqual(["refresh widened the grant: user/Condition.rs user/*.cruds"]);
    }
    // a refresh that leaves scope out repeats the last grant (RFC 6749 §5.1): still wider than the original
    server.next.push(() => json({ access_token: "e", token_type: "bearer", expires_in: 300 }));
    await smart.refresh();
    expect(smart.grantIssues.map(messageOf)).toEqual(["refresh widened the grant: user/Condition.rs user/*.cruds"]);
  });

  it("keeps the original grant with the stored token, so the flag survives a restore (checklist 2.56)", async () => {
    const server = await createFakeServer();
    const tokenStore = new InMemoryTokenStore();
    const options = {
      smartConfig: server.config,
      clientId: "my-app",
      fhirBaseUrl: server.FHIR,
      fetch: server.fetch,
      tokenStore,
      storeKey: "smart:u1",
    };
    const smart = new SmartClient({
      ...options,
      tokens: {
        access_token: "a",
        token_type: "Bearer",
        scope: "user/Observation.rs",
        refresh_token: "rt",
        expires_in: 300,
      },
    });
    server.next.push(() =>
      json({ access_token: "b", token_type: "bearer", expires_in: 300, scope: "user/Observation.cruds" }),
    );
    await smart.refresh();
    expect((await tokenStore.get("smart:u1"))?.original_scope).toBe("user/Observation.rs");

    const restored = (await SmartClient.restore({ ...options, verifyIdToken: false }))!;
    expect(restored.grantIssues.map(messageOf)).toEqual(["refresh widened the grant: user/Observation.cruds"]);
    server.next.push(() =>
      json({ access_token: "c", token_type: "bearer", expires_in: 300, scope: "user/Observation.cruds" }),
    );
    await restored.refresh();
    expect(restored.grantIssues.map(messageOf)).toEqual(["refresh widened the grant: user/Observation.cruds"]);
    expect((await tokenStore.get("smart:u1"))?.original_scope).toBe("user/Observation.rs");
  });

  it("never lets a server set the original grant: original_scope in a token response is dropped (checklist 2.56)", async () => {
    const server = await createFakeServer();
    const smart = new SmartClient({
      smartConfig: server.config,
      clientId: "my-app",
      fhirBaseUrl: server.FHIR,
      fetch: server.fetch,
      tokens: {
        access_token: "a",
        token_type: "Bearer",
        scope: "user/Observation.rs",
        refresh_token: "rt",
        expires_in: 300,
      },
    });
    server.next.push(() =>
      json({
        access_token: "b",
        token_type: "bearer",
        expires_in: 300,
        scope: "user/*.cruds",
        original_scope: "user/*.cruds",
      }),
    );
    await smart.refresh();
    expect(smart.token?.original_scope).toBe("user/Observation.rs");
    expect(smart.grantIssues.map(messageOf)).toEqual(["refresh widened the grant: user/*.cruds"]);
  });

  it("takes the requested scope as the original grant when the first response had no scope (RFC 6749 §5.1, E1)", async () => {
    const server = await createFakeServer();
    const smart = new SmartClient({
      smartConfig: server.config,
      clientId: "my-app",
      fhirBaseUrl: server.FHIR,
      fetch: server.fetch,
      requestedScope: "user/Observation.rs",
      tokens: { access_token: "a", token_type: "Bearer", refresh_token: "rt", expires_in: 300 },
    });
    expect(smart.scopesConfirmed).toBe(false);
    server.next.push(() =>
      json({ access_token: "b", token_type: "bearer", expires_in: 300, scope: "user/Observation.rs user/Patient.rs" }),
    );
    await smart.refresh();
    expect(smart.scopesConfirmed).toBe(true);
    expect(smart.grantIssues.map(messageOf)).toEqual(["refresh widened the grant: user/Patient.rs"]);
  });
});
