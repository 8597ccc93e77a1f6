import { trimTrailingSlashes } from "@fhir-dsl/smart";

/** The FHIR R4 shapes the patient page shows. */
export interface Patient {
  resourceType: "Patient";
  id: string;
  name?: { use?: string; text?: string; family?: string; given?: string[] }[];
  birthDate?: string;
  gender?: string;
}
export interface Observation {
  resourceType: "Observation";
  id: string;
  status?: string;
  code?: { text?: string; coding?: { display?: string; code?: string }[] };
  category?: { coding?: { code?: string; display?: string }[] }[];
  effectiveDateTime?: string;
  valueQuantity?: { value?: number; unit?: string };
  valueString?: string;
  valueCodeableConcept?: { text?: string; coding?: { display?: string }[] };
}
interface Bundle<T> {
  entry?: { resource?: T }[];
  link?: { relation: string; url: string }[];
}

/** A FHIR read or search that did not succeed; the page shows the status (or why paging stopped). */
export class FhirError extends Error {
  override name = "FhirError";
  constructor(
    readonly status: number | undefined,
    what: string,
    why?: string,
  ) {
    super(`${what} ${why ?? `answered HTTP ${status}`}`);
  }
}

async function getJson<T>(fetch: typeof globalThis.fetch, url: string, what: string): Promise<T> {
  const response = await fetch(url, { headers: { accept: "application/fhir+json" } });
  if (!response.ok) {
    await response.body?.cancel();
    throw new FhirError(response.status, what);
  }
  return (await response.json()) as T;
}

/** The launch patient and their Observations (every page), newest first, through the session's authorized fetch. */
export async function loadPatientChart(
  fetch: typeof globalThis.fetch,
  fhirBaseUrl: string,
  patientId: string,
  maxPages = MAX_PAGES,
) {
  const base = trimTrailingSlashes(fhirBaseUrl);
  const [patient, observations] = await Promise.all([
    getJson<Patient>(fetch, `${base}/Patient/${encodeURIComponent(patientId)}`, "Patient read"),
    searchAll<Observation>(
      fetch,
      `${base}/Observation?${new URLSearchParams({ patient: patientId, _count: "50" })}`,
      "Observation search",
      maxPages,
    ),
  ]);
  observations.sort((a, b) => (b.effectiveDateTime ?? "").localeCompare(a.effectiveDateTime ?? ""));
  return { patient, observations };
}

/** Default cap on the pages a search follows: the server decides how many `next` links there are. */
export const MAX_PAGES = 100;

/**
 * Every resource of a search, following `next` links (the authorized fetch keeps the token to the FHIR base,
 * E21), at most `maxPages` pages and never one page twice (a self-link would spin the request forever).
 */
export async function searchAll<T>(
  fetch: typeof globalThis.fetch,
  url: string,
  what: string,
  maxPages = MAX_PAGES,
): Promise<T[]> {
  const found: T[] = [];
  const seen = new Set<string>();
  for (let next: string | undefined = url; next; ) {
    if (seen.has(next)) throw new FhirError(undefined, what, "links back to a page already read");
    if (seen.size >= maxPages) throw new FhirError(undefined, what, `has more than ${maxPages} pages`);
    seen.add(next);
    const bundle: Bundle<T> = await getJson<Bundle<T>>(fetch, next, what);
    for (const entry of bundle.entry ?? []) if (entry.resource) found.push(entry.resource);
    next = bundle.link?.find((l) => l.relation === "next")?.url;
  }
  return found;
}

export function patientName(patient: Patient): string {
  const name = patient.name?.find((n) => n.use === "official") ?? patient.name?.[0];
  if (!name) return `Patient/${patient.id}`;
  return name.text ?? ([name.given?.join(" "), name.family].filter(Boolean).join(" ") || `Patient/${patient.id}`);
}

export function observationLabel(o: Observation): string {
  return o.code?.text ?? o.code?.coding?.find((c) => c.display)?.display ?? o.code?.coding?.[0]?.code ?? "(no code)";
}

export function observationValue(o: Observation): string {
  if (o.valueQuantity?.value !== undefined) return `${o.valueQuantity.value} ${o.valueQuantity.unit ?? ""}`.trim();
  return o.valueString ?? o.valueCodeableConcept?.text ?? o.valueCodeableConcept?.coding?.[0]?.display ?? "";
}

export function observationCategory(o: Observation): string {
  const coding = o.category?.[0]?.coding?.[0];
  return coding?.display ?? coding?.code ?? "";
}
