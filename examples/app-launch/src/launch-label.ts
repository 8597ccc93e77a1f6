// Issue 19 (newcomer): launches on the start page must be told apart: each is labelled with its kind, patient and time.

export type LaunchKind = "EHR" | "Standalone";

// pending launches live 10 minutes (SmartLaunch stateTtlMs); past this many, the oldest label is forgotten
const MAX_PENDING = 10_000;

/** The kind of each launch between its start and its callback, by `state`; bounded (launch starts are unauthenticated). */
export class LaunchKinds {
  readonly #byState = new Map<string, LaunchKind>();

  put(state: string, kind: LaunchKind): void {
    this.#byState.set(state, kind);
    if (this.#byState.size > MAX_PENDING) this.#byState.delete(this.#byState.keys().next().value!);
  }

  /** The kind of this callback's launch, forgotten once read; undefined when unknown (a restarted app, an old state). */
  take(state: string | undefined): LaunchKind | undefined {
    if (state === undefined) return undefined;
    const kind = this.#byState.get(state);
    this.#byState.delete(state);
    return kind;
  }
}

/** e.g. "EHR launch · Patient/patient-3 · 14:02:07 UTC" */
export function launchLabel(kind: LaunchKind | undefined, patientId: string | undefined, at: Date): string {
  return `${kind ?? "Unknown"} launch · ${patientId ? `Patient/${patientId}` : "no patient in context"} · ${at.toISOString().slice(11, 19)} UTC`;
}
