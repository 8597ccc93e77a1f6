// Written by readme.test.ts from packages/smart/README.md: do not edit (vitest -u rewrites it).
import type { BackendServicesAuth, SmartClient } from "@fhir-dsl/smart";
import { Client } from "fhir-kit-client";

declare const auth: BackendServicesAuth | SmartClient;
declare const fhirBaseUrl: string;

const fhir = new Client({
  baseUrl: fhirBaseUrl,
  requestSigner: async (url, init) => {
    const authorization = await auth.getAuthorization({ url, method: init.method ?? "GET" });
    if (authorization) (init.headers as Headers).set("authorization", authorization);
  },
  // fetch would carry the header along a redirect to another path of the same origin
  requestOptions: { redirect: "error" },
});

/** One retry after a 401, with a renewed token (fhir-kit-client throws with `response.status`). */
async function withTokenRetry<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if ((error as { response?: { status?: number } }).response?.status !== 401) throw error;
    await auth.onUnauthorized?.();
    return call();
  }
}

const bundle = await withTokenRetry(() => fhir.search({ resourceType: "Observation", searchParams: { _count: 50 } }));
// undefined on the last page; `link: []` is for nextPage's type only, the bundle's own links win
const next = await withTokenRetry(async () => fhir.nextPage({ bundle: { link: [], ...bundle } }));

export {};
