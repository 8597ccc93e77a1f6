import type { LaunchContext, SandboxFaults, SandboxStats } from "./types.js";

function count(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new TypeError(`${name} must be a non-negative integer`);
  }
  return value;
}

function httpStatus(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 400 || value > 599) {
    throw new TypeError(`${name} status must be an HTTP error status (400-599)`);
  }
  return value;
}

/** Mutable fault switches; methods are bound so they can be passed around. */
export class FaultState implements SandboxFaults {
  delayMs = 0;
  refreshDelayMs = 0;
  failCount = 0;
  failStatus = 503;
  htmlCount = 0;
  htmlStatus = 502;
  resetCount = 0;
  invalidGrantNextRefresh = false;
  narrow: Set<string> | undefined;
  omitScope = false;
  omitExpires = false;
  expiresString = false;
  tokenTypeValue: string | undefined;
  denyNext: string | undefined;
  accessTokenLifetime: number;

  constructor(private readonly defaultAccessTokenLifetime: number) {
    this.accessTokenLifetime = defaultAccessTokenLifetime;
  }

  delayTokenMs = (ms: number): void => {
    this.delayMs = count("delayTokenMs(ms)", ms);
  };
  delayRefreshMs = (ms: number): void => {
    this.refreshDelayMs = count("delayRefreshMs(ms)", ms);
  };
  failTokenRequests = (n: number, status = 503): void => {
    this.failCount = count("failTokenRequests(count)", n);
    this.failStatus = httpStatus("failTokenRequests", status);
  };
  failTokenRequestsWithHtml = (n: number, status = 502): void => {
    this.htmlCount = count("failTokenRequestsWithHtml(count)", n);
    this.htmlStatus = httpStatus("failTokenRequestsWithHtml", status);
  };
  resetConnections = (n: number): void => {
    this.resetCount = count("resetConnections(count)", n);
  };
  invalidGrantOnNextRefresh = (): void => {
    this.invalidGrantNextRefresh = true;
  };
  narrowScope = (scope: string | undefined): void => {
    if (scope !== undefined && typeof scope !== "string") {
      throw new TypeError("narrowScope(scope) takes a space separated scope string or undefined");
    }
    this.narrow = scope === undefined ? undefined : new Set(scope.split(" ").filter(Boolean));
  };
  omitScopeInTokenResponse = (on: boolean): void => {
    this.omitScope = on === true;
  };
  omitExpiresIn = (on: boolean): void => {
    this.omitExpires = on === true;
  };
  expiresInAsString = (on: boolean): void => {
    this.expiresString = on === true;
  };
  tokenType = (value: string | undefined): void => {
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      throw new TypeError('tokenType(value) takes a non-empty string such as "bearer", or undefined');
    }
    this.tokenTypeValue = value;
  };
  denyNextAuthorization = (error = "access_denied"): void => {
    if (typeof error !== "string" || !/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/.test(error)) {
      throw new TypeError('denyNextAuthorization(error) takes an OAuth error code such as "access_denied"');
    }
    this.denyNext = error;
  };
  setAccessTokenLifetime = (seconds: number): void => {
    if (!Number.isInteger(seconds) || seconds < 1) {
      throw new TypeError("setAccessTokenLifetime(seconds) takes a positive integer");
    }
    this.accessTokenLifetime = seconds;
  };
  reset = (): void => {
    this.delayMs = 0;
    this.refreshDelayMs = 0;
    this.failCount = 0;
    this.failStatus = 503;
    this.htmlCount = 0;
    this.htmlStatus = 502;
    this.resetCount = 0;
    this.invalidGrantNextRefresh = false;
    this.narrow = undefined;
    this.omitScope = false;
    this.omitExpires = false;
    this.expiresString = false;
    this.tokenTypeValue = undefined;
    this.denyNext = undefined;
    this.accessTokenLifetime = this.defaultAccessTokenLifetime;
  };

  /** Applies the narrowScope switch to a list of scopes. */
  applyNarrowing(scopes: string[]): string[] {
    const narrow = this.narrow;
    return narrow ? scopes.filter((s) => narrow.has(s)) : scopes;
  }
}

export function createStats(): SandboxStats {
  const stats: SandboxStats = {
    tokenRequests: 0,
    tokenRequestsByGrant: {},
    tokensIssued: 0,
    fhirRequests: 0,
    introspections: 0,
    revocations: 0,
    grantsRevokedByReuse: 0,
    reset() {
      stats.tokenRequests = 0;
      stats.tokenRequestsByGrant = {};
      stats.tokensIssued = 0;
      stats.fhirRequests = 0;
      stats.introspections = 0;
      stats.revocations = 0;
      stats.grantsRevokedByReuse = 0;
    },
  };
  return stats;
}

export function countGrant(stats: SandboxStats, grantType: unknown): void {
  const key = typeof grantType === "string" && grantType ? grantType : "(none)";
  stats.tokenRequestsByGrant[key] = (stats.tokenRequestsByGrant[key] ?? 0) + 1;
}

/** What the sandbox remembers about a grant: its launch context and the scopes it granted. */
export interface GrantInfo {
  context: LaunchContext;
  /** OIDC/launch scopes granted (openid, fhirUser, launch/patient, offline_access, ...). */
  staticScopes: string[];
}
