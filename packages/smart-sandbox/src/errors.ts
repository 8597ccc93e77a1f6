/** Stable error codes of {@link SandboxError}. */
export const SANDBOX_AUTHORIZE_FAILED = "SANDBOX_AUTHORIZE_FAILED";
export const SANDBOX_INVALID_CLIENT = "SANDBOX_INVALID_CLIENT";
export const SANDBOX_START_FAILED = "SANDBOX_START_FAILED";

export type SandboxErrorCode =
  | typeof SANDBOX_AUTHORIZE_FAILED
  | typeof SANDBOX_INVALID_CLIENT
  | typeof SANDBOX_START_FAILED;

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

  static is(value: unknown): value is SandboxError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[marker] === true;
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
