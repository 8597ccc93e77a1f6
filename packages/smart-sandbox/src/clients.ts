import type { ClientRegistration, SandboxGrantType, TokenEndpointAuthMethod } from "./types.js";

const METHODS: readonly TokenEndpointAuthMethod[] = [
  "none",
  "client_secret_basic",
  "client_secret_post",
  "private_key_jwt",
];
const GRANTS: readonly SandboxGrantType[] = ["authorization_code", "refresh_token", "client_credentials"];

/** Checks a registration and fills in its defaults; throws TypeError saying what to pass. */
export function normaliseRegistration(
  input: ClientRegistration,
): Required<Pick<ClientRegistration, "clientId" | "tokenEndpointAuthMethod" | "grantTypes" | "redirectUris">> &
  ClientRegistration {
  if (typeof input !== "object" || input === null) {
    throw new TypeError('registerClient(client) takes an object such as { clientId: "my-app", redirectUris: [...] }');
  }
  if (typeof input.clientId !== "string" || input.clientId === "") {
    throw new TypeError("client.clientId must be a non-empty string");
  }
  const method = authMethodOf(input);
  const redirectUris = input.redirectUris ?? [];
  if (!Array.isArray(redirectUris) || redirectUris.some((u) => typeof u !== "string")) {
    throw new TypeError("client.redirectUris must be an array of absolute URLs");
  }
  const grantTypes =
    input.grantTypes ??
    (method === "private_key_jwt"
      ? redirectUris.length
        ? ["authorization_code", "refresh_token", "client_credentials"]
        : ["client_credentials"]
      : ["authorization_code", "refresh_token"]);
  if (!Array.isArray(grantTypes) || grantTypes.some((g) => !GRANTS.includes(g))) {
    throw new TypeError(`client.grantTypes must be a subset of ${GRANTS.join(", ")}`);
  }
  if (grantTypes.includes("authorization_code") && redirectUris.length === 0) {
    throw new TypeError("client.redirectUris is required for the authorization_code grant");
  }
  if (grantTypes.includes("client_credentials") && method === "none") {
    throw new TypeError("client_credentials needs a confidential client (clientSecret, jwks or jwksUri)");
  }
  if (input.scope !== undefined && typeof input.scope !== "string") {
    throw new TypeError("client.scope must be a space separated string");
  }
  if (
    input.allowedOrigins !== undefined &&
    (!Array.isArray(input.allowedOrigins) || input.allowedOrigins.some((o) => !isOrigin(o)))
  ) {
    throw new TypeError(
      'client.allowedOrigins must be an array of origins such as "https://app.example" (no path, no "*")',
    );
  }
  return { ...input, tokenEndpointAuthMethod: method, grantTypes: [...grantTypes], redirectUris: [...redirectUris] };
}

/** The client's authentication method (given, or implied by its keys or secret) and the credentials it needs. */
function authMethodOf(input: ClientRegistration): TokenEndpointAuthMethod {
  const hasKeys = input.jwks !== undefined || input.jwksUri !== undefined;
  const method =
    input.tokenEndpointAuthMethod ??
    (hasKeys ? "private_key_jwt" : input.clientSecret !== undefined ? "client_secret_basic" : "none");
  if (!METHODS.includes(method)) {
    throw new TypeError(`client.tokenEndpointAuthMethod must be one of ${METHODS.join(", ")}`);
  }
  if ((method === "client_secret_basic" || method === "client_secret_post") && !input.clientSecret) {
    throw new TypeError(`client.clientSecret is required for ${method}`);
  }
  if (method === "private_key_jwt" && !hasKeys) {
    throw new TypeError("client.jwks ({ keys: [publicJwk] }) or client.jwksUri is required for private_key_jwt");
  }
  if (input.jwks !== undefined && input.jwksUri !== undefined) {
    throw new TypeError("pass either client.jwks or client.jwksUri, not both");
  }
  if (input.jwks !== undefined) {
    if (!Array.isArray(input.jwks?.keys) || input.jwks.keys.length === 0) {
      throw new TypeError("client.jwks must be { keys: [publicJwk, ...] }");
    }
    if (input.jwks.keys.some((k) => typeof k !== "object" || k === null || "d" in k)) {
      throw new TypeError('client.jwks must hold public keys only (no "d" member)');
    }
  }
  return method;
}

/** oidc-provider client metadata for a registration. */
export function toClientMetadata(c: ReturnType<typeof normaliseRegistration>): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    client_id: c.clientId,
    token_endpoint_auth_method: c.tokenEndpointAuthMethod,
    grant_types: c.grantTypes,
    response_types: c.grantTypes.includes("authorization_code") ? ["code"] : [],
    redirect_uris: c.redirectUris,
    // loopback and custom-scheme redirect URIs are fine for a sandbox
    application_type: c.redirectUris.some((u) => !/^https?:/.test(u)) ? "native" : "web",
  };
  if (c.clientSecret !== undefined) metadata.client_secret = c.clientSecret;
  if (c.jwks !== undefined) metadata.jwks = c.jwks;
  if (c.jwksUri !== undefined) metadata.jwks_uri = c.jwksUri;
  return metadata;
}

function isOrigin(value: unknown): boolean {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
  } catch {
    return false;
  }
}

/**
 * The browser origins a client's pages may call the token endpoints from (SMART 2.2
 * app-launch.html#considerations-for-cross-origin-resource-sharing-cors-support: the client's registered origins).
 */
export function corsOrigins(c: ClientRegistration | undefined): Set<string> {
  if (c === undefined) return new Set();
  if (c.allowedOrigins !== undefined) return new Set(c.allowedOrigins);
  if ((c.tokenEndpointAuthMethod ?? "none") !== "none") return new Set();
  return new Set((c.redirectUris ?? []).filter((u) => /^https?:/.test(u)).map((u) => new URL(u).origin));
}
