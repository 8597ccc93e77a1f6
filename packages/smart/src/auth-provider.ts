/**
 * The AuthProvider contract of `@fhir-dsl/core`, declared structurally (core is not a dependency):
 * anything that satisfies it plugs into `createFhirClient({ auth })`. Core calls `onUnauthorized` on a
 * 401 and retries the request once.
 */
export interface AuthRequest {
  url: string;
  method: string;
}

export interface AuthProvider {
  getAuthorization(req: AuthRequest): Promise<string | undefined> | string | undefined;
  onUnauthorized?(): Promise<void> | void;
}
