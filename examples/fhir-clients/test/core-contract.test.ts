// @fhir-dsl/core is not installable from the registry, so its createFhirClient({ auth }) contract is kept here as
// core declares it, on its own (not imported from @fhir-dsl/smart): the providers must stay assignable to it
// (checked by the typecheck script), and behave as core uses them (checked below against the sandbox).
import type { BackendServicesAuth, SmartClient } from "@fhir-dsl/smart";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { launchSmartClient, startBackendServer, type BackendServer } from "./sandbox.js";

/** @fhir-dsl/core's AuthProvider: asked before each request; on a 401, onUnauthorized then one retry. */
interface CoreAuthProvider {
  getAuthorization(req: { url: string; method: string }): Promise<string | undefined> | string | undefined;
  onUnauthorized?(): Promise<void> | void;
}

/** A GET as core's createFhirClient makes it with `auth`. */
async function coreGet(auth: CoreAuthProvider, url: string): Promise<Response> {
  for (let retried = false; ; retried = true) {
    const authorization = await auth.getAuthorization({ url, method: "GET" });
    const response = await fetch(url, {
      headers: { accept: "application/fhir+json", ...(authorization ? { authorization } : {}) },
    });
    if (response.status !== 401 || retried || !auth.onUnauthorized) return response;
    await response.body?.cancel();
    await auth.onUnauthorized();
  }
}

let server: BackendServer;
beforeAll(async () => {
  server = await startBackendServer();
});
afterAll(() => server?.sandbox.close());

describe("@fhir-dsl/core AuthProvider contract, structurally", () => {
  it("BackendServicesAuth and SmartClient are assignable to core's AuthProvider (typecheck)", () => {
    expectTypeOf<BackendServicesAuth>().toMatchTypeOf<CoreAuthProvider>();
    expectTypeOf<SmartClient>().toMatchTypeOf<CoreAuthProvider>();
    const asCore: CoreAuthProvider = server.newAuth();
    expect(typeof asCore.onUnauthorized).toBe("function");
  });

  it("BackendServicesAuth as core uses it: a token under the FHIR base, none elsewhere, recovery after a revocation (E20, E21)", async () => {
    const auth: CoreAuthProvider = server.newAuth();
    const base = server.sandbox.fhirBaseUrl;
    expect((await coreGet(auth, `${base}/Patient/patient-1`)).status).toBe(200);
    expect(await auth.getAuthorization({ url: `${server.sandbox.url}/elsewhere`, method: "GET" })).toBeUndefined();
    expect(await auth.getAuthorization({ url: `${base}-other/Patient`, method: "GET" })).toBeUndefined();

    await server.revoke(
      ((await auth.getAuthorization({ url: `${base}/Patient`, method: "GET" })) as string).slice("Bearer ".length),
    );
    const fhirBefore = server.sandbox.stats.fhirRequests;
    expect((await coreGet(auth, `${base}/Patient/patient-2`)).status).toBe(200);
    expect(server.sandbox.stats.fhirRequests - fhirBefore).toBe(2);
  });

  it("SmartClient as core uses it: the launch patient with the patient-scoped token", async () => {
    const smart = await launchSmartClient(server.sandbox, "patient-4");
    const auth: CoreAuthProvider = smart;
    const response = await coreGet(auth, `${server.sandbox.fhirBaseUrl}/Patient/${smart.patientId}`);
    expect(await response.json()).toMatchObject({ resourceType: "Patient", id: "patient-4" });
  });
});
