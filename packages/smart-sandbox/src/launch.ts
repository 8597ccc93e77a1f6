import { FIXTURES } from "./fixtures.js";
import type { LaunchContext } from "./types.js";

const CONTEXT_KEYS = [
  "patient",
  "encounter",
  "fhirContext",
  "need_patient_banner",
  "smart_style_url",
  "intent",
  "tenant",
  "fhirUser",
] as const;

export function builtInContext(origin: string): LaunchContext {
  return {
    patient: FIXTURES.patient,
    encounter: FIXTURES.encounter,
    need_patient_banner: true,
    smart_style_url: `${origin}/smart-style.json`,
    fhirUser: `Practitioner/${FIXTURES.practitioner}`,
  };
}

/** Merges `patch` over `base`; a member set to undefined in the patch removes it. */
export function mergeContext(base: LaunchContext, patch: Partial<LaunchContext> | undefined): LaunchContext {
  if (patch === undefined) return { ...base };
  if (typeof patch !== "object" || patch === null) {
    throw new TypeError('a launch context must be an object such as { patient: "patient-1" }');
  }
  const out: Record<string, unknown> = { ...base };
  for (const key of CONTEXT_KEYS) {
    if (key in patch) {
      const value = patch[key];
      if (value === undefined) delete out[key];
      else out[key] = structuredClone(value);
    }
  }
  return out as LaunchContext;
}

/** Opaque EHR launch ids and the context each is bound to. */
export class LaunchStore {
  private readonly launches = new Map<string, LaunchContext>();

  create(context: LaunchContext): string {
    const id = `launch-${crypto.randomUUID()}`;
    this.launches.set(id, context);
    return id;
  }

  get(id: string): LaunchContext | undefined {
    return this.launches.get(id);
  }

  has(id: string): boolean {
    return this.launches.has(id);
  }
}

/**
 * The context a grant gets. EHR launch: everything bound to the launch id.
 * Standalone: patient only with launch/patient, encounter only with launch/encounter.
 */
export function contextForGrant(
  launched: LaunchContext | undefined,
  defaults: LaunchContext,
  scopes: Set<string>,
): LaunchContext {
  if (launched) return structuredClone(launched);
  // SMART 2.2 scopes-and-launch-context.html#standalone-apps: launch/<type> asks the server to pick the context
  const out: LaunchContext = structuredClone(defaults);
  if (!scopes.has("launch/patient")) delete out.patient;
  if (!scopes.has("launch/encounter")) delete out.encounter;
  delete out.fhirContext;
  delete out.intent;
  return out;
}

/** The members of a context that go into a token response (fhirUser goes into the id_token instead). */
export function tokenResponseMembers(context: LaunchContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    if (key === "fhirUser") continue;
    const value = context[key];
    if (value !== undefined) out[key] = structuredClone(value);
  }
  return out;
}

/** fhirUser as an absolute URL under the FHIR base (SMART 2.2 scopes-and-launch-context.html#scopes-for-requesting-identity-data). */
export function absoluteFhirUser(fhirBaseUrl: string, fhirUser: string): string {
  return /^https?:\/\//.test(fhirUser) ? fhirUser : `${fhirBaseUrl}/${fhirUser}`;
}
