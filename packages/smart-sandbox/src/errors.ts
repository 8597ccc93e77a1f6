/** Stable codes of {@link SandboxError} (snake_case, like every error code of @fhir-dsl). */
export const SandboxErrorCode = {
  /** `authorize()` got an error page instead of a redirect to the app, or did not reach the app. */
  AuthorizeFailed: "sandbox_authorize_failed",
  /** `registerClient()` metadata refused by oidc-provider. */
  InvalidClient: "sandbox_invalid_client",
  /** The port could not be bound, or the provider could not be configured. */
  StartFailed: "sandbox_start_failed",
} as const;
export type SandboxErrorCode = (typeof SandboxErrorCode)[keyof typeof SandboxErrorCode];

const marker = Symbol.for("@fhir-dsl/smart-sandbox/SandboxError");

export interface SandboxErrorInit {
  status?: number;
  error?: string;
  errorDescription?: string;
  response?: unknown;
  cause?: unknown;
}

/** What the sandbox throws; messages never contain tokens, codes, secrets or keys. */
export class SandboxError extends Error {
  readonly code: SandboxErrorCode;
  readonly status: number | undefined;
  /** OAuth `error` from the server's error page, when there was one. */
  readonly error: string | undefined;
  readonly errorDescription: string | undefined;
  /** The raw response body (non-enumerable, so it never lands in logs). */
  declare readonly response: unknown;

  constructor(code: SandboxErrorCode, message: string, init: SandboxErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "SandboxError";
    this.code = code;
    this.status = init.status;
    this.error = init.error;
    this.errorDescription = init.errorDescription;
    Object.defineProperty(this, "response", { value: init.response, enumerable: false });
    Object.defineProperty(this, marker, { value: true, enumerable: false });
  }

  /** True for a SandboxError from any copy of this package (a `Symbol.for` brand, not `instanceof`), with `code` when given. */
  static is(value: unknown): value is SandboxError;
  // a code narrows `code` on a match, and a miss still leaves a SandboxError a SandboxError
  static is<C extends SandboxErrorCode>(value: unknown, code: C): value is SandboxError & { readonly code: C };
  static is(value: unknown, code?: SandboxErrorCode): boolean {
    return (
      (value as Record<symbol, unknown> | null)?.[marker] === true &&
      (code === undefined || (value as SandboxError).code === code)
    );
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      error: this.error,
      errorDescription: this.errorDescription,
    };
  }
}
