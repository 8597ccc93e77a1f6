import type { StoredToken, TokenStore } from "@fhir-dsl/token-store";
import { assertSecureUrl } from "./endpoint.js";
import { SmartAuthErrorCode, fail, needs, printableUrl, type SmartAuthError } from "./errors.js";

/** The field of a stored Backend Services token that names the tenant it was issued for (SECURITY.md F11). */
export const BINDING_FIELD = "__binding";

/** The tenant a Backend Services token belongs to: where it may be sent, and who issued it. */
export interface TokenBinding {
  fhirBase: string;
  tokenEndpoint: string;
}

/**
 * The default store key of a Backend Services token: the FHIR base, the token endpoint, the client id and
 * the sorted, de-duplicated scopes, each as `<length>:<text>`, so no two different tuples give one key
 * (the old `endpoint:client:scopes` join collided on any `:` inside a part; checklist E24). Computed once.
 */
export function backendStoreKey(
  fhirBase: string,
  tokenEndpoint: string,
  clientId: string,
  scopes: readonly string[],
): string {
  const parts = [fhirBase, tokenEndpoint, clientId, ...[...new Set(scopes)].sort()];
  return `smart:backend:v2:${parts.map((part) => `${part.length}:${part}`).join("")}`;
}

/**
 * Which token endpoints a BackendServicesAuth may sign an assertion for: the pinned `tokenEndpoint`, the
 * `allowedTokenEndpoints` (exact URLs), and any endpoint on the FHIR base's own origin. A discovery
 * document naming any other endpoint (e.g. another tenant's) is refused before anything is signed.
 */
export function tokenEndpointPolicy(
  who: string,
  fhirBase: string,
  pinned: string | undefined,
  listed: unknown,
  allowInsecure?: boolean,
): (endpoint: string) => void {
  if (listed !== undefined && (!Array.isArray(listed) || listed.some((u) => typeof u !== "string")))
    needs(who, "allowedTokenEndpoints as an array of token endpoint URLs");
  const allowed = new Set(
    [...((listed as string[] | undefined) ?? []), pinned ?? fhirBase].map(
      (url) => assertSecureUrl(url, allowInsecure).href,
    ),
  );
  const origin = new URL(fhirBase).origin;
  return (endpoint) => {
    const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
    if (url !== undefined && (url.origin === origin || allowed.has(url.href))) return;
    throw fail(
      SmartAuthErrorCode.UntrustedTokenEndpoint,
      `Token endpoint ${printableUrl(endpoint)} is not on the origin of ${printableUrl(fhirBase)}: if it issues your tokens, list it in allowedTokenEndpoints or pin it with tokenEndpoint`,
    );
  };
}

/** A fresh token stamped with its tenant, so a store shared by mistake can never hand it to another one. */
export const bindToken = (token: StoredToken, binding: TokenBinding): StoredToken => ({
  ...token,
  [BINDING_FIELD]: binding,
});

const boundTo = (token: StoredToken, binding: TokenBinding): boolean => {
  const found = token[BINDING_FIELD] as Partial<TokenBinding> | null | undefined;
  return found?.fhirBase === binding.fhirBase && found.tokenEndpoint === binding.tokenEndpoint;
};

/**
 * `store` whose `get` answers `undefined` for a token bound to another tenant (or to none: written by an
 * older release or by hand), reporting it once per read; every other member is the store's own.
 * Only store reads go through here: the cached hot path never does.
 */
export function tenantBoundStore(
  store: TokenStore,
  binding: TokenBinding,
  report: (error: SmartAuthError) => void,
): TokenStore {
  const get = async (key: string): Promise<StoredToken | undefined> => {
    const token = await store.get(key);
    if (token === undefined || boundTo(token, binding)) return token;
    const other = (token[BINDING_FIELD] as Partial<TokenBinding> | undefined)?.fhirBase;
    try {
      report(
        fail(
          SmartAuthErrorCode.TokenStore,
          `Token store key "${key}" holds a token of ${typeof other === "string" ? printableUrl(other) : "no FHIR base"}: ignored (give each FHIR base its own storeKey)`,
        ),
      );
    } catch {
      // a throwing observer changes nothing: the foreign token is still not used
    }
    return undefined;
  };
  return new Proxy(store, {
    get: (target, name) => {
      if (name === "get") return get;
      const value: unknown = Reflect.get(target, name, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
