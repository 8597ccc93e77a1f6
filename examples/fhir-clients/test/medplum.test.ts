// Medplum's MedplumClient with `fetch: auth.fetch`, against the sandbox: the README recipe as written, paging
// through `next` links, and recovery after the token is revoked on the server (checklist E20, E21).
import type { MedplumClient } from "@medplum/core";
import type { Observation, Patient } from "@medplum/fhirtypes";
import { discoverSmartConfiguration, revokeToken, SmartAuthError } from "@fhir-dsl/smart";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recipe, runCode } from "./recipes.js";
import { launchSmartClient, startBackendServer, type BackendServer } from "./sandbox.js";

interface Ran {
  medplum: MedplumClient;
  patients: Patient[];
  patient: Patient;
  observations: Observation[];
}

let server: BackendServer;
beforeAll(async () => {
  server = await startBackendServer();
});
afterAll(() => server?.sandbox.close());

describe("@medplum/core MedplumClient with auth.fetch (Backend Services)", () => {
  it("README recipe runs as written: search, read, every page; one token for all of it, no Medplum login", async () => {
    const before = { ...server.sandbox.stats, tokenRequestsByGrant: { ...server.sandbox.stats.tokenRequestsByGrant } };
    const auth = server.newAuth();
    const ran = await runCode<Ran>(recipe("@medplum/core"), { auth, fhirBaseUrl: server.sandbox.fhirBaseUrl }, [
      "medplum",
      "patients",
      "patient",
      "observations",
    ]);
    expect(ran.patients.map((p) => p.id)).toEqual(["patient-1", "patient-2", "patient-3", "patient-4", "patient-5"]);
    expect(ran.patient).toMatchObject({ resourceType: "Patient", id: "patient-1" });
    expect(ran.observations).toHaveLength(10);
    // Medplum never went to its own token endpoint: the only grant is our client_credentials
    expect(server.sandbox.stats.tokenRequests - before.tokenRequests).toBe(1);
    expect(server.sandbox.stats.tokenRequestsByGrant).toEqual({
      ...before.tokenRequestsByGrant,
      client_credentials: (before.tokenRequestsByGrant.client_credentials ?? 0) + 1,
    });
  });

  it("pages through Bundle next links with _count (each page under the FHIR base gets the token)", async () => {
    const { medplum } = await runCode<Ran>(
      recipe("@medplum/core"),
      { auth: server.newAuth(), fhirBaseUrl: server.sandbox.fhirBaseUrl },
      ["medplum"],
    );
    const fhirBefore = server.sandbox.stats.fhirRequests;
    const sizes: number[] = [];
    const ids: string[] = [];
    for await (const page of medplum.searchResourcePages("Observation", { _count: 3 })) {
      sizes.push(page.length);
      ids.push(...page.map((o) => o.id!));
    }
    expect(sizes).toEqual([3, 3, 3, 1]);
    expect(new Set(ids).size).toBe(10);
    expect(server.sandbox.stats.fhirRequests - fhirBefore).toBe(4);
    // the bundle helper follows the same links
    const bundle = await medplum.search("Observation", { _count: 4 });
    expect(bundle.link?.find((l) => l.relation === "next")?.url).toMatch(
      new RegExp(`^${server.sandbox.fhirBaseUrl}/Observation\\?`),
    );
  });

  it("recovers after the token is revoked on the server: one 401, a new token, the retry succeeds (E20)", async () => {
    const auth = server.newAuth();
    const { medplum } = await runCode<Ran>(recipe("@medplum/core"), { auth, fhirBaseUrl: server.sandbox.fhirBaseUrl }, [
      "medplum",
    ]);
    const revoked = await auth.getAccessToken();
    await server.revoke(revoked);
    const stats = { tokens: server.sandbox.stats.tokensIssued, fhir: server.sandbox.stats.fhirRequests };

    const observations = await medplum.searchResources("Observation", { _count: 20, category: "vital-signs" });

    expect(observations.map((o) => o.id)).toContain("obs-patient-1-vitals");
    expect(server.sandbox.stats.tokensIssued - stats.tokens).toBe(1); // one new token
    expect(server.sandbox.stats.fhirRequests - stats.fhir).toBe(2); // the 401, then the retry
    expect(await auth.getAccessToken()).not.toBe(revoked);
  });
});

describe("@medplum/core MedplumClient with a SmartClient's fetch (App Launch)", () => {
  it("reads the launch patient and its Observations with the patient-scoped token", async () => {
    const smart = await launchSmartClient(server.sandbox, "patient-2");
    const { medplum } = await runCode<Ran>(
      recipe("@medplum/core"),
      { auth: smart, fhirBaseUrl: server.sandbox.fhirBaseUrl },
      ["medplum"],
    );
    expect(await medplum.readResource("Patient", smart.patientId!)).toMatchObject({ id: "patient-2" });
    const observations = await medplum.searchResources("Observation", { patient: smart.patientId!, _count: 1 });
    expect(observations.map((o) => o.subject?.reference)).toEqual(["Patient/patient-2"]);
  });

  it("a grant revoked on the server ends in reauthorization_required; Medplum's retries of the thrown error send the dead refresh token once", async () => {
    const smart = await launchSmartClient(server.sandbox, "patient-3");
    let fetchCalls = 0;
    const counted = {
      getAuthorization: smart.getAuthorization.bind(smart),
      fetch: ((input, init) => (fetchCalls++, smart.fetch(input, init))) as typeof fetch,
    };
    const { medplum } = await runCode<Ran>(
      recipe("@medplum/core"),
      { auth: counted, fhirBaseUrl: server.sandbox.fhirBaseUrl },
      ["medplum"],
    );
    await medplum.readResource("Patient", "patient-3");
    // revoked by someone else (an admin, the EHR): oidc-provider ends the whole grant, refresh token included
    const smartConfig = await discoverSmartConfiguration(server.sandbox.fhirBaseUrl);
    await revokeToken({ smartConfig, clientId: "my-app", token: smart.token!.access_token });
    const refreshes = server.sandbox.stats.tokenRequestsByGrant.refresh_token ?? 0;

    fetchCalls = 0;
    const error = await medplum.readResource("Observation", "obs-patient-3-lab").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SmartAuthError);
    expect((error as SmartAuthError).code).toBe("reauthorization_required");
    // Medplum called fetch 3 times (it retries a rejected fetch twice): the refused refresh token went out once
    expect(fetchCalls).toBe(3);
    expect((server.sandbox.stats.tokenRequestsByGrant.refresh_token ?? 0) - refreshes).toBe(1);
    expect(JSON.stringify(error)).not.toMatch(/eyJ|access_token|refresh_token/);
  });
});
