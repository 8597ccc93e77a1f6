/** A FHIR R4 resource as the sandbox serves it. */
export interface FhirResource {
  resourceType: string;
  id: string;
  [key: string]: unknown;
}

const PATIENTS = [
  { id: "patient-1", family: "Rivera", given: "Ana", gender: "female", birthDate: "1987-04-12" },
  { id: "patient-2", family: "Okafor", given: "Chidi", gender: "male", birthDate: "1954-11-30" },
  { id: "patient-3", family: "Lindqvist", given: "Maja", gender: "female", birthDate: "2011-06-02" },
  { id: "patient-4", family: "Tanaka", given: "Hiroshi", gender: "male", birthDate: "1978-01-19" },
  { id: "patient-5", family: "Dubois", given: "Claire", gender: "female", birthDate: "1999-09-23" },
] as const;

const patientIds = PATIENTS.map((p) => p.id);

/** Ids of the fixture resources, so tests need not guess. */
export const FIXTURES = {
  patients: patientIds,
  practitioner: "practitioner-1",
  /** Default patient of launches. */
  patient: "patient-1",
  /** Default encounter of launches (belongs to patient-1). */
  encounter: "encounter-patient-1",
  encounters: patientIds.map((p) => `encounter-${p}`),
  /** Two per patient: `obs-<patient>-vitals` (vital-signs) and `obs-<patient>-lab` (laboratory). */
  observations: patientIds.flatMap((p) => [`obs-${p}-vitals`, `obs-${p}-lab`]),
  conditions: patientIds.map((p) => `condition-${p}`),
  resourceTypes: ["Patient", "Practitioner", "Observation", "Condition", "Encounter"],
} as const;

function observation(patient: string, kind: "vitals" | "lab", index: number): FhirResource {
  const vitals = kind === "vitals";
  return {
    resourceType: "Observation",
    id: `obs-${patient}-${kind}`,
    status: "final",
    category: [
      {
        coding: [
          {
            system: "http://terminology.hl7.org/CodeSystem/observation-category",
            code: vitals ? "vital-signs" : "laboratory",
          },
        ],
      },
    ],
    code: {
      coding: vitals
        ? [{ system: "http://loinc.org", code: "8867-4", display: "Heart rate" }]
        : [{ system: "http://loinc.org", code: "2339-0", display: "Glucose [Mass/volume] in Blood" }],
    },
    subject: { reference: `Patient/${patient}` },
    encounter: { reference: `Encounter/encounter-${patient}` },
    effectiveDateTime: `2024-0${(index % 9) + 1}-15T09:30:00Z`,
    valueQuantity: vitals
      ? { value: 60 + index * 3, unit: "beats/minute", system: "http://unitsofmeasure.org", code: "/min" }
      : { value: 80 + index * 7, unit: "mg/dL", system: "http://unitsofmeasure.org", code: "mg/dL" },
  };
}

/** Builds a fresh copy of every fixture resource (R4). */
export function buildFixtures(): FhirResource[] {
  const out: FhirResource[] = [
    {
      resourceType: "Practitioner",
      id: FIXTURES.practitioner,
      active: true,
      name: [{ family: "Nguyen", given: ["Linh"], prefix: ["Dr."] }],
      identifier: [{ system: "http://hl7.org/fhir/sid/us-npi", value: "9941339108" }],
    },
  ];
  PATIENTS.forEach((p, index) => {
    out.push({
      resourceType: "Patient",
      id: p.id,
      active: true,
      name: [{ use: "official", family: p.family, given: [p.given] }],
      gender: p.gender,
      birthDate: p.birthDate,
      generalPractitioner: [{ reference: `Practitioner/${FIXTURES.practitioner}` }],
    });
    out.push({
      resourceType: "Encounter",
      id: `encounter-${p.id}`,
      status: "finished",
      class: { system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", code: "AMB", display: "ambulatory" },
      subject: { reference: `Patient/${p.id}` },
      participant: [{ individual: { reference: `Practitioner/${FIXTURES.practitioner}` } }],
      period: { start: `2024-0${(index % 9) + 1}-15T09:00:00Z`, end: `2024-0${(index % 9) + 1}-15T10:00:00Z` },
    });
    out.push(observation(p.id, "vitals", index));
    out.push(observation(p.id, "lab", index));
    out.push({
      resourceType: "Condition",
      id: `condition-${p.id}`,
      clinicalStatus: {
        coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-clinical", code: "active" }],
      },
      category: [
        {
          coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-category", code: "problem-list-item" }],
        },
      ],
      code: {
        coding:
          index % 2 === 0
            ? [{ system: "http://snomed.info/sct", code: "38341003", display: "Hypertension" }]
            : [{ system: "http://snomed.info/sct", code: "44054006", display: "Diabetes mellitus type 2" }],
      },
      subject: { reference: `Patient/${p.id}` },
      encounter: { reference: `Encounter/encounter-${p.id}` },
    });
  });
  return out;
}
