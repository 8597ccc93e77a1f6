// fhir-kit-client with the README recipe: `requestSigner` + `getAuthorization` per URL, and one retry after a 401
// through `onUnauthorized` (the library has no hook of its own), against the sandbox (checklist E20, E21).
import type { AuthProvider } from "@fhir-dsl/smart";
import { Client } from "fhir-kit-client";
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
  link: { relation: string; url: string }[];
};
interface Ran {
  fhir: Client;
  withTokenRetry<T>(call: () => Promise<T>): Promise<T>;
  bundle: Bundle;
  next: Bundle | undefined;
}
const EXPORTS = ["fhir", "withTokenRetry", "bundle", "next"];

let server: BackendServer;
let elsewhere: RecordingServer;
beforeAll(async () => {
  [server, elsewhere] = await Promise.all([startBackendServer(), startRecordingServer()]);
});
afterAll(async () => {
  await Promise.all([server?.sandbox.close(), elsewhere?.close()]);
});

const run = (auth = server.newAuth()) =>
  runCode<Ran>(recipe("fhir-kit-client"), { auth, fhirBaseUrl: server.sandbox.fhirBaseUrl }, EXPORTS);

describe("fhir-kit-client with requestSigner + getAuthorization", () => {
  it("README recipe runs as written: a search with the token, no next page after the last", async () => {
    const { bundle, next } = await run();
    expect(bundle.entry).toHaveLength(10);
    expect(next).toBeUndefined();
  });

  it("reads, and pages through next links with _count", async () => {
    const { fhir, withTokenRetry } = await run();
    expect(await withTokenRetry(() => fhir.read({ resourceType: "Patient", id: "patient-4" }))).toMatchObject({
      id: "patient-4",
    });
    let page = (await fhir.search({ resourceType: "Observation", searchParams: { _count: 3 } })) as Bundle | undefined;
    const sizes: number[] = [];
    while (page) {
      sizes.push(page.entry?.length ?? 0);
      page = (await withTokenRetry(async () => fhir.nextPage({ bundle: page! }))) as Bundle | undefined;
    }
    expect(sizes).toEqual([3, 3, 3, 1]);
  });

  it("recovers after the token is revoked on the server: the 401 renews the token once and the retry succeeds (E20)", async () => {
    const auth = server.newAuth();
    const { fhir, withTokenRetry } = await run(auth);
    const revoked = await auth.getAccessToken();
    await server.revoke(revoked);
    const stats = { tokens: server.sandbox.stats.tokensIssued, fhir: server.sandbox.stats.fhirRequests };

    const patient = await withTokenRetry(() => fhir.read({ resourceType: "Patient", id: "patient-5" }));

    expect(patient).toMatchObject({ id: "patient-5" });
    expect(server.sandbox.stats.tokensIssued - stats.tokens).toBe(1);
    expect(server.sandbox.stats.fhirRequests - stats.fhir).toBe(2);
    // without the wrapper the 401 is the caller's: fhir-kit-client itself never retries
    await server.revoke(await auth.getAccessToken());
    await expect(fhir.read({ resourceType: "Patient", id: "patient-5" })).rejects.toMatchObject({
      response: { status: 401 },
    });
  });

  it("a 401 that persists after the renewal is thrown, after exactly one retry (no loop)", async () => {
    let renewals = 0;
    const auth: AuthProvider & { fetch: typeof fetch } = {
      getAuthorization: () => "Bearer not-a-token-the-sandbox-knows",
      onUnauthorized: () => void renewals++,
      fetch,
    };
    const fhirBefore = server.sandbox.stats.fhirRequests;
    await expect(
      runCode<Ran>(recipe("fhir-kit-client"), { auth, fhirBaseUrl: server.sandbox.fhirBaseUrl }, EXPORTS),
    ).rejects.toMatchObject({ response: { status: 401 } });
    expect(renewals).toBe(1);
    expect(server.sandbox.stats.fhirRequests - fhirBefore).toBe(2);
  });

  it("a next link outside the FHIR base gets no token (E21)", async () => {
    const { fhir, withTokenRetry } = await run();
    elsewhere.seen.length = 0;
    const foreign: Bundle = {
      resourceType: "Bundle",
      link: [{ relation: "next", url: `${elsewhere.url}/other/Observation?page=2` }],
    };
    await withTokenRetry(async () => fhir.nextPage({ bundle: foreign }));
    expect(elsewhere.seen).toHaveLength(1);
    expect(elsewhere.seen[0]!.headers.authorization).toBeUndefined();
  });

  it("a redirect from the FHIR base to another path of its origin is refused, the token never follows it (E21)", async () => {
    // a FHIR base whose server redirects /fhir/Patient to /elsewhere/Patient
    const fhirBaseUrl = `${elsewhere.url}/fhir`;
    const auth: AuthProvider & { fetch: typeof fetch } = {
      getAuthorization: ({ url }) => (url.startsWith(`${fhirBaseUrl}/`) ? "Bearer secret-under-the-base" : undefined),
      fetch,
    };
    elsewhere.seen.length = 0;
    const code = recipe("fhir-kit-client").replace(
      /^const bundle[\s\S]*$/m,
      "const bundle = undefined, next = undefined;\n",
    );
    const { fhir } = await runCode<Ran>(code, { auth, fhirBaseUrl }, EXPORTS);
    await expect(fhir.read({ resourceType: "Patient", id: "p" })).rejects.toThrow();
    expect(elsewhere.seen.map((r) => r.url)).toEqual(["/fhir/Patient/p"]);
    expect(elsewhere.seen[0]!.headers.authorization).toBe("Bearer secret-under-the-base");

    // why the recipe sets redirect: "error": fetch's own redirect keeps the header on the same origin
    elsewhere.seen.length = 0;
    const following = new Client({
      baseUrl: fhirBaseUrl,
      requestSigner: (url, init) =>
        void (init.headers as Headers).set("authorization", auth.getAuthorization({ url, method: "GET" }) as string),
    });
    await following.read({ resourceType: "Patient", id: "p" });
    expect(elsewhere.seen.map((r) => [r.url, r.headers.authorization])).toEqual([
      ["/fhir/Patient/p", "Bearer secret-under-the-base"],
      ["/elsewhere/Patient/p", "Bearer secret-under-the-base"],
    ]);
  });

  it("with an App Launch SmartClient: the launch patient, and a patient outside the grant is refused (403)", async () => {
    const smart = await launchSmartClient(server.sandbox, "patient-5");
    const { fhir, withTokenRetry } = await runCode<Ran>(
      recipe("fhir-kit-client"),
      { auth: smart, fhirBaseUrl: server.sandbox.fhirBaseUrl },
      EXPORTS,
    );
    expect(await withTokenRetry(() => fhir.read({ resourceType: "Patient", id: smart.patientId! }))).toMatchObject({
      id: "patient-5",
    });
    await expect(withTokenRetry(() => fhir.read({ resourceType: "Patient", id: "patient-1" }))).rejects.toMatchObject({
      response: { status: 403 },
    });
  });
});
