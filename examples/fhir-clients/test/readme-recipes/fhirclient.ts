// Written by readme.test.ts from packages/smart/README.md: do not edit (vitest -u rewrites it).
import type { BackendServicesAuth, SmartClient } from "@fhir-dsl/smart";
import FHIR from "fhirclient";
import type FhirClientType from "fhirclient/lib/FhirClient";

declare const auth: BackendServicesAuth | SmartClient;
declare const fhirBaseUrl: string;

// the node and browser entries export FhirClient; the package's types do not declare it
const { FhirClient } = FHIR as unknown as { FhirClient: typeof FhirClientType };

class AuthorizedFhirClient extends FhirClient {
  override async fhirRequest<T = any>(uri: string | URL, options: RequestInit = {}): Promise<T> {
    const path = String(uri);
    const url = /^https?:/i.test(path) ? path : `${this.fhirBaseUrl.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
    for (let retried = false; ; retried = true) {
      const authorization = await auth.getAuthorization({ url, method: options.method ?? "GET" });
      const headers = { ...(options.headers as Record<string, string>), ...(authorization ? { authorization } : {}) };
      try {
        // redirect: "error": fetch would carry the header along a redirect
        return await super.fhirRequest<T>(url, { ...options, headers, redirect: "error" });
      } catch (error) {
        if ((error as { status?: number }).status !== 401 || !authorization || retried) throw error;
        await auth.onUnauthorized?.();
      }
    }
  }
}

const fhir = new AuthorizedFhirClient(fhirBaseUrl);
const patients = await fhir.fhirRequest("Patient?_count=50");
const observations = [];
for await (const observation of fhir.resources("Observation?_count=50")) observations.push(observation);

export {};
