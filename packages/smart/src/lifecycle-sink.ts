import type { StoredToken } from "@fhir-dsl/token-store";
import { SmartAuthError, SmartAuthErrorCode } from "./errors.js";
import { errorFields, lifecycleEmitter, type SmartEventListener } from "./lifecycle-events.js";

/**
 * The events of a SmartClient's observed outcomes (lifecycle-observer.ts), handed here in the order they happened:
 * token_renewed (a SmartClient only refreshes), refresh_failed or reauthorization_required, and store_outage once
 * per outage, then store_recovered; as lifecycleEmitter's observeRefresh and observeStore emit them.
 */
export function lifecycleSink(
  listener: SmartEventListener,
  ids: { clientId: string; fhirBaseUrl: string },
  now: () => number,
  storeKey: string,
) {
  const events = lifecycleEmitter(listener, ids, now)!;
  events.setStoreKey(storeKey);
  let down = false;
  return {
    renewed(durationMs: number, token: StoredToken): void {
      events.emit({ type: "token_renewed", durationMs, expiresAt: token.expires_at, scope: token.scope });
    },
    failed(durationMs: number, error: unknown): void {
      const reauth = SmartAuthError.is(error) && error.code === SmartAuthErrorCode.ReauthorizationRequired;
      events.emit({
        type: reauth ? "reauthorization_required" : "refresh_failed",
        durationMs,
        error: errorFields(error),
      });
    },
    store(failed: boolean, error?: unknown): void {
      if (failed === down) return;
      down = failed;
      events.emit(failed ? { type: "store_outage", error: errorFields(error) } : { type: "store_recovered" });
    },
  };
}
