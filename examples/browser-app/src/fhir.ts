/** The FHIR R4 shapes the page shows. */
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

const MAX_PAGES = 20;

async function getJson<T>(fetch: typeof globalThis.fetch, url: string, what: string): Promise<T> {
  const response = await fetch(url, { headers: { accept: "application/fhir+json" } });
  if (!response.ok) throw new Error(`${what} answered HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** The launch patient and their Observations, newest first, through the session's authorized fetch (E21). */
export async function loadPatientChart(fetch: typeof globalThis.fetch, fhirBaseUrl: string, patientId: string) {
  const [patient, observations] = await Promise.all([
    getJson<Patient>(fetch, `${fhirBaseUrl}/Patient/${encodeURIComponent(patientId)}`, "Patient read"),
    searchAll<Observation>(
      fetch,
      `${fhirBaseUrl}/Observation?${new URLSearchParams({ patient: patientId, _count: "50" })}`,
    ),
  ]);
  observations.sort((a, b) => (b.effectiveDateTime ?? "").localeCompare(a.effectiveDateTime ?? ""));
  return { patient, observations };
}

async function searchAll<T>(fetch: typeof globalThis.fetch, url: string): Promise<T[]> {
  const found: T[] = [];
  const seen = new Set<string>();
  for (let next: string | undefined = url; next && !seen.has(next) && seen.size < MAX_PAGES; ) {
    seen.add(next);
    const bundle: Bundle<T> = await getJson<Bundle<T>>(fetch, next, "Observation search");
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
