// SMART's fhirclient: why its Client must not be handed the token (it sends it to any URL it fetches), and the
// README's FhirClient subclass that adds the token per URL, against the sandbox (checklist E20, E21).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AuthProvider } from "@fhir-dsl/smart";
import FHIR from "fhirclient";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recipe, runCode } from "./recipes.js";
import {
  launchSmartClient,
  startBackendServer,
  startRecordingServer,
  type BackendServer,
  type RecordingServer,
} from "./sandbox.js";

type Bundle = {
  resourceType: "Bundle";
  entry?: { resource: { id: string } }[];
  link?: { relation: string; url: string }[];
};
interface AuthorizedFhirClient {
  fhirBaseUrl: string;
  fhirRequest<T = any>(uri: string | URL, options?: RequestInit): Promise<T>;
  pages(bundleOrUrl: Bundle | string): AsyncIterable<Bundle>;
  resources(bundleOrUrl: Bundle | string): AsyncIterable<{ id: string }>;
}
interface Ran {
  fhir: AuthorizedFhirClient;
  patients: Bundle;
  observations: { id: string }[];
}
const EXPORTS = ["fhir", "patients", "observations"];

let server: BackendServer;
let elsewhere: RecordingServer;
beforeAll(async () => {
  [server, elsewhere] = await Promise.all([startBackendServer(), startRecordingServer()]);
});
afterAll(async () => {
  await Promise.all([server?.sandbox.close(), elsewhere?.close()]);
});

const run = (auth = server.newAuth()) =>
  runCode<Ran>(recipe("fhirclient"), { auth, fhirBaseUrl: server.sandbox.fhirBaseUrl }, EXPORTS);

describe("fhirclient: why not FHIR.client({ serverUrl, tokenResponse })", () => {
  it("its Client sends the bearer token to a URL outside the FHIR base, on another server", async () => {
    const token = await server.newAuth().getAccessToken();
    // fhirclient's node entry: smart(req, res).client(state); a state built by hand needs no request
    const client = FHIR({} as IncomingMessage, {} as ServerResponse).client({
      serverUrl: server.sandbox.fhirBaseUrl,
      tokenResponse: { access_token: token },
    });
    elsewhere.seen.length = 0;
    await client.request(`${elsewhere.url}/other/Patient`);
    expect(elsewhere.seen[0]!.headers.authorization).toBe(`Bearer ${token}`);
  });
});

describe("fhirclient: the README's AuthorizedFhirClient (FhirClient + getAuthorization per URL)", () => {
  it("README recipe runs as written: a search, and every Observation through resources()", async () => {
    const { patients, observations } = await run();
    expect(patients.entry?.map((e) => e.resource.id)).toHaveLength(5);
    expect(observations).toHaveLength(10);
  });

  it("reads, and pages through next links with _count", async () => {
    const { fhir } = await run();
    expect(await fhir.fhirRequest("Patient/patient-2")).toMatchObject({ id: "patient-2" });
    const sizes: number[] = [];
    for await (const page of fhir.pages("Observation?_count=3")) sizes.push(page.entry?.length ?? 0);
    expect(sizes).toEqual([3, 3, 3, 1]);
  });

  it("recovers after the token is revoked on the server: one 401, a new token, the retry succeeds (E20)", async () => {
    const auth = server.newAuth();
    const { fhir } = await run(auth);
    const revoked = await auth.getAccessToken();
    await server.revoke(revoked);
    const stats = { tokens: server.sandbox.stats.tokensIssued, fhir: server.sandbox.stats.fhirRequests };

    expect(await fhir.fhirRequest("Patient/patient-3")).toMatchObject({ id: "patient-3" });

    expect(server.sandbox.stats.tokensIssued - stats.tokens).toBe(1);
    expect(server.sandbox.stats.fhirRequests - stats.fhir).toBe(2);
  });

  it("a 401 that persists after the renewal is thrown after exactly one retry (no loop)", async () => {
    let renewals = 0;
    const auth: AuthProvider & { fetch: typeof fetch } = {
      getAuthorization: () => "Bearer unknown-token",
      onUnauthorized: () => void renewals++,
      fetch,
    };
    const fhirBefore = server.sandbox.stats.fhirRequests;
    await expect(
      runCode<Ran>(recipe("fhirclient"), { auth, fhirBaseUrl: server.sandbox.fhirBaseUrl }, EXPORTS),
    ).rejects.toMatchObject({ status: 401 });
    expect(renewals).toBe(1);
    expect(server.sandbox.stats.fhirRequests - fhirBefore).toBe(2);
  });

  it("no token to an absolute URL or a next link outside the FHIR base (E21)", async () => {
    const { fhir } = await run();
    elsewhere.seen.length = 0;
    await fhir.fhirRequest(`${elsewhere.url}/other/Patient`);
    const foreign: Bundle = {
      resourceType: "Bundle",
      link: [{ relation: "next", url: `${elsewhere.url}/other/Observation?page=2` }],
    };
    for await (const _page of fhir.pages(foreign));
    expect(elsewhere.seen.map((r) => r.url)).toEqual(["/other/Patient", "/other/Observation?page=2"]);
    expect(elsewhere.seen.map((r) => r.headers.authorization)).toEqual([undefined, undefined]);
  });

  it("a redirect from the FHIR base to another path of its origin is refused, the token never follows it (E21)", async () => {
    const fhirBaseUrl = `${elsewhere.url}/fhir`;
    const auth: AuthProvider & { fetch: typeof fetch } = {
      getAuthorization: ({ url }) => (url.startsWith(`${fhirBaseUrl}/`) ? "Bearer secret-under-the-base" : undefined),
      fetch,
    };
    const code = recipe("fhirclient").replace(
      /^const patients[\s\S]*$/m,
      "const patients = undefined, observations = undefined;\n",
    );
    const { fhir } = await runCode<Ran>(code, { auth, fhirBaseUrl }, EXPORTS);
    elsewhere.seen.length = 0;
    await expect(fhir.fhirRequest("Patient/p")).rejects.toThrow(/redirect/i);
    expect(elsewhere.seen.map((r) => [r.url, r.headers.authorization])).toEqual([
      ["/fhir/Patient/p", "Bearer secret-under-the-base"],
    ]);
  });

  it("with an App Launch SmartClient: the launch patient and only its Observations", async () => {
    const smart = await launchSmartClient(server.sandbox, "patient-2");
    const { fhir, observations } = await runCode<Ran>(
      recipe("fhirclient"),
      { auth: smart, fhirBaseUrl: server.sandbox.fhirBaseUrl },
      EXPORTS,
    );
    expect(await fhir.fhirRequest(`Patient/${smart.patientId}`)).toMatchObject({ id: "patient-2" });
    expect(observations.map((o) => o.id).sort()).toEqual(["obs-patient-2-lab", "obs-patient-2-vitals"]);
  });
});
