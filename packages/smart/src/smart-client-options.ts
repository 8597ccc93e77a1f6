import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import type { StoredToken, TokenResponse, TokenStore } from "@fhir-dsl/token-store";
import type { ClientAuthShorthand } from "./client-auth.js";
import type { TransportOptions } from "./endpoint.js";
import type { SmartAuthError } from "./errors.js";
import type { SmartEventListener } from "./lifecycle-events.js";

// The options of SmartClient (smart-client.ts); their defaults are in defaults.ts.

export interface SmartClientOptions extends ClientAuthShorthand, TransportOptions {
  smartConfig: SmartConfiguration;
  clientId: string;
  /** The token response (from exchangeCode, or a StoredToken); a persisted `expires_at` is kept. */
  tokens: StoredToken | TokenResponse;
  /** Where the session lives; default in memory, a store of this client alone (no lease). A store needs `storeKey`. */
  tokenStore?: TokenStore;
  /** This session's key in the store, e.g. `smart:${userId}`. */
  storeKey?: string;
  /** The FHIR base the token is for (its `aud`); default: the base `smartConfig` was discovered from. */
  fhirBaseUrl?: string;
  /** The scope that was requested: stands in, marked unconfirmed, when the server sent no `scope` (E1). */
  requestedScope?: string;
  /** Clock in epoch ms (default Date.now). */
  now?: () => number;
  /** Refresh this long before expiry (default 60 s, at most a quarter of the lifetime). */
  refreshMarginMs?: number;
  /**
   * Cross-process refresh lock lease, extended while a refresh runs (default: the worst-case refresh plus
   * 5 s, at least 30 s). Shorter than the worst-case refresh, timeoutMs x (maxRetries + 1) + backoff, is
   * refused with a TypeError (SECURITY.md F10).
   */
  leaseMs?: number;
  /** Retries of a refresh answered 503/429 (default 2). */
  maxRetries?: number;
  /** The longest `Retry-After` (429/503, seconds or HTTP-date) waited for before a retry (default 5 000 ms); longer is not retried. */
  maxRetryAfterMs?: number;
  /**
   * Sees what the token store could not do without failing the call, e.g. `refresh_lease_lost` when a refresh
   * outlived its lease and another process's newer token was used instead (SECURITY.md F10). No token in it.
   */
  onStoreError?: (error: SmartAuthError) => void;
  /** Leeway for id_token `exp`/`iat` in seconds (default 60). */
  clockToleranceSeconds?: number;
  /** How long ago an id_token's `iat` may be, in seconds (default 3600, checklist 7.1). */
  maxIatAgeSeconds?: number;
  /** Lifecycle events (token renewed, refresh failed, reauthorization required, store outage/recovery); never a token. */
  onEvent?: SmartEventListener;
}

export interface SmartClientRestoreOptions extends Omit<SmartClientOptions, "tokens" | "tokenStore" | "storeKey"> {
  tokenStore: TokenStore;
  storeKey: string;
  /** Re-check the stored id_token's signature, iss and aud before exposing fhirUser (default true). */
  verifyIdToken?: boolean;
}

/** Per-call options: the caller's AbortSignal (issue 19: cancellation). */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}
