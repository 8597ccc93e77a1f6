import { displayName } from "./fhir.js";
import type { RunSummary } from "./run.js";

const MAX_PATIENT_LINES = 10;

/** The readable report of a run, one string per line. Never the token. */
export function formatReport(s: RunSummary): string[] {
  const observations = s.patients.reduce((sum, p) => sum + (p.observations ?? 0), 0);
  const readObservations = s.patients.every((p) => p.observations !== undefined);
  const { discovery, token, fhir } = s.requests;
  const lines = [
    `SMART Backend Services on ${s.embedded ? "the embedded sandbox (set FHIR_BASE_URL for a real server)" : s.fhirBaseUrl}`,
    "Server",
    `  FHIR base      ${s.fhirBaseUrl}`,
    `  discovery      ${s.discoveryUrl} (${ms(s.timings.discovery)})`,
    `  capabilities   ${s.capabilities.length} listed, including ${highlights(s.capabilities)}`,
    `  token endpoint ${s.tokenEndpoint}`,
    "Token",
    `  client         ${s.clientId}, private_key_jwt with ${s.alg}${s.kid ? ` key "${s.kid}"` : ""}`,
    ...(s.signer ? [`  signer         ${s.signer}`] : []),
    `  obtained       ${token === 0 ? "from the token store, no token request" : `${plural(token, "token request")} in ${ms(s.timings.token)}`}`,
    `  granted scope  ${s.grantedScope ?? `not stated (requested "${s.requestedScope}")`}`,
    `  lifetime       ${s.expiresInSeconds === undefined ? "not stated" : `expires in ${s.expiresInSeconds} s`}`,
    `  token store    ${s.store}`,
    "Read",
    `  patients       ${s.patients.length} in ${plural(s.patientPages, "page")} (${ms(s.timings.patients)})`,
    readObservations
      ? `  observations   ${observations} in ${plural(s.observationPages, "page")} (${ms(s.timings.observations)})`
      : "  observations   not read: the granted scope does not allow system/Observation.rs",
  ];
  for (const { patient, observations: count } of s.patients.slice(0, MAX_PATIENT_LINES)) {
    lines.push(
      `    ${displayName(patient).padEnd(24)} ${(patient.birthDate ?? "").padEnd(10)}  ${count === undefined ? "" : plural(count, "observation")}`.trimEnd(),
    );
  }
  if (s.patients.length > MAX_PATIENT_LINES) lines.push(`    ... and ${s.patients.length - MAX_PATIENT_LINES} more`);
  lines.push(
    "Done",
    `  requests       ${discovery + token + fhir} (discovery ${discovery}, token ${token}, FHIR ${fhir})`,
    `  total time     ${ms(s.timings.total)}`,
  );
  return lines;
}

const ms = (value: number) => `${Math.round(value)} ms`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function highlights(capabilities: readonly string[]): string {
  const shown = capabilities.filter((c) => c === "client-confidential-asymmetric" || c.startsWith("permission-v"));
  return shown.length ? shown.join(", ") : "no client-confidential-asymmetric (Backend Services may not work)";
}
