/**
 * A launch-context entry of the token response, normalised to the SMART 2.1+ object form.
 * https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#fhircontext
 */
export interface FhirContextEntry {
  reference?: string;
  canonical?: string;
  identifier?: unknown;
  type?: string;
  role?: string;
  [key: string]: unknown;
}

/**
 * An OAuth 2.0 token response as a SMART server sends it (RFC 6749 §5.1 plus SMART launch context).
 * https://hl7.org/fhir/smart-app-launch/app-launch.html#response-5
 */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
  patient?: string;
  encounter?: string;
  fhirContext?: FhirContextEntry[];
  need_patient_banner?: boolean;
  smart_style_url?: string;
  intent?: string;
  tenant?: string;
  [key: string]: unknown;
}

/**
 * What a TokenStore keeps: the token response plus `expires_at`, the absolute expiry in epoch
 * milliseconds, computed once at receipt so a restored token is never re-dated from "now".
 * `expires_at` is absent when the server sent no `expires_in` (checklist E2: expiry unknown).
 */
export interface StoredToken extends TokenResponse {
  expires_at?: number;
}

/**
 * A held lease on one key. Every method acts only while the lease is still this holder's: a lease that
 * lapsed, or that another holder has taken since, is never extended, written through or released.
 * That is fencing: a holder that outlived its lease (a slow token request, a pause) cannot overwrite the
 * token a newer holder stored (RFC 9700 4.14.2: a rotated refresh token presented twice revokes the grant).
 */
export interface TokenLock {
  /** Free the lease if it is still ours (a lease that timed out is not released twice). */
  release(): Promise<void>;
  /**
   * Push the lease's end to `leaseMs` from now, if it is still ours. Resolves to `false`, changing
   * nothing, when the lease was lost (lapsed, or taken by another holder).
   */
  extend(leaseMs: number): Promise<boolean>;
  /**
   * The fenced write: store `value` under the locked key, as `TokenStore.set` would, only if the lease is
   * still ours, checked in the same atomic step as the write. Resolves to `true` when written, `false`
   * (nothing written) when the lease was lost.
   */
  set(value: StoredToken): Promise<boolean>;
}

/**
 * Where tokens live between requests and processes. All methods are async so a remote store fits.
 * `lock` is optional: a store that can lease a key across processes lets a fleet refresh a grant once.
 */
export interface TokenStore {
  get(key: string): Promise<StoredToken | undefined>;
  set(key: string, value: StoredToken): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Take a lease on `key` for at most `leaseMs`. Resolves to the lock, or to `undefined` when another
   * holder has it. Used only to serialise refreshes; it never guards reads. A store that offers `lock`
   * implements the whole TokenLock, fencing included (`extend`, `set`).
   */
  lock?(key: string, leaseMs: number): Promise<TokenLock | undefined>;
}

/** A TokenStore whose `lock` is present. */
export type LockingTokenStore = TokenStore & Required<Pick<TokenStore, "lock">>;

/** True when `store` offers the cross-process lease. */
export function hasLock(store: TokenStore): store is LockingTokenStore {
  return typeof store.lock === "function";
}
