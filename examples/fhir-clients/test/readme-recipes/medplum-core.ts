// Written by readme.test.ts from packages/smart/README.md: do not edit (vitest -u rewrites it).
import type { BackendServicesAuth, SmartClient } from "@fhir-dsl/smart";
import { MedplumClient } from "@medplum/core";

declare const auth: BackendServicesAuth | SmartClient;
declare const fhirBaseUrl: string;

const medplum = new MedplumClient({ baseUrl: fhirBaseUrl, fhirUrlPath: fhirBaseUrl, fetch: auth.fetch });

const patients = await medplum.searchResources("Patient", { _count: 50 });
const patient = await medplum.readResource("Patient", patients[0]!.id!);
const observations = [];
for await (const page of medplum.searchResourcePages("Observation", { _count: 50 })) observations.push(...page);

export {};
