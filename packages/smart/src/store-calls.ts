import type { StoredToken } from "@fhir-dsl/token-store";
import { SmartAuthError, SmartAuthErrorCode } from "./errors.js";

/** Whether two stored tokens are the same grant state (same access and refresh token). */
export function sameToken(a: StoredToken | undefined, b: StoredToken | undefined): boolean {
  return a !== undefined && b !== undefined && a.access_token === b.access_token && a.refresh_token === b.refresh_token;
}

/** A failed token store call as a SmartAuthError; the store's error is the `cause`, the value never shown. */
export const storeError = (operation: string, key: string, cause: unknown) =>
  new SmartAuthError(`Token store ${operation} failed for key "${key}"`, {
    code: SmartAuthErrorCode.TokenStore,
    retryable: (cause as { retryable?: unknown } | undefined)?.retryable === true,
    cause,
  });
