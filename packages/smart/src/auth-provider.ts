/**
 * The AuthProvider contract of `@fhir-dsl/core`, declared structurally (core is not a dependency):
 * anything that satisfies it plugs into `createFhirClient({ auth })`. Core calls `onUnauthorized` on a
 * 401 and retries the request once.
 */
export interface AuthRequest {
  url: string;
  method: string;
  /** The caller's signal: a wait for a token stops (error code `aborted`) when it aborts; the shared token request goes on. */
  signal?: AbortSignal | undefined;
}

export interface AuthProvider {
  getAuthorization(req: AuthRequest): Promise<string | undefined> | string | undefined;
  onUnauthorized?(): Promise<void> | void;
}
