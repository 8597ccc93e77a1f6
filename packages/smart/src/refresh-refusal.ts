import { SmartAuthError, SmartAuthErrorCode } from "./errors.js";

/**
 * Whether a refresh-grant failure means the grant is gone: any answered 4xx that is not worth a retry
 * (invalid_grant, another code, or no parsable body). RFC 6749 §5.2 makes every 4xx a refusal of the
 * request; resending the same refresh token cannot succeed and a strict server may revoke the grant for it.
 */
export function isRefusedRefresh(error: unknown): error is SmartAuthError {
  return (
    SmartAuthError.is(error) &&
    error.code === SmartAuthErrorCode.TokenEndpoint &&
    typeof error.status === "number" &&
    error.status >= 400 &&
    error.status < 500 &&
    !error.retryable
  );
}

/** A refused refresh as reauthorization_required, keeping the server's OAuth fields; other errors unchanged. */
export function refusedRefreshError(error: unknown): unknown {
  if (!isRefusedRefresh(error)) return error;
  const what = error.error ?? `HTTP ${error.status}`;
  return new SmartAuthError(`The refresh token was refused (${what}): the user must authorize again`, {
    ...error,
    code: SmartAuthErrorCode.ReauthorizationRequired,
    errorUri: undefined,
    retryable: false,
    cause: error,
  });
}

/**
 * The refresh tokens a server refused, so none is ever sent again (e.g. read back from a store whose
 * delete failed); memory only, at most `limit` of them.
 */
export class RefusedRefreshTokens {
  readonly #tokens = new Set<string>();
  constructor(readonly limit = 16) {}
  add(token: string | undefined): void {
    if (typeof token !== "string") return;
    this.#tokens.add(token);
    if (this.#tokens.size > this.limit) this.#tokens.delete(this.#tokens.values().next().value!);
  }
  has(token: string | undefined): boolean {
    return typeof token === "string" && this.#tokens.has(token);
  }
}
