import * as oauth from "oauth4webapi";
import { toStoredToken, type StoredToken, type TokenResponse } from "@fhir-dsl/token-store";
import { SmartAuthError, SmartAuthErrorCode, printableUrl } from "./errors.js";

// E23: tolerate a UTF-8 BOM and text/json; E8: error pages may be HTML or text.
async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    return undefined;
  }
}

/**
 * A Response holding an already-parsed JSON object, for oauth4webapi's checks (it reads bodies with
 * `json()`): no second body to serialise, stream and parse on every token request. oauth4webapi may
 * normalise the object in place (e.g. `token_type`).
 */
export class ParsedJsonResponse extends Response {
  readonly #value: Record<string, unknown>;
  constructor(value: Record<string, unknown>) {
    super(null, { headers: { "content-type": "application/json" } });
    this.#value = value;
  }
  override json(): Promise<any> {
    return Promise.resolve(this.#value);
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const optionalString = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
/** 5xx and 429 are worth another try. */
export const retryableStatus = (status: number) => status >= 500 || status === 429;

/**
 * A SmartAuthError for an endpoint's failed answer (non-2xx, or 2xx but unusable), its OAuth error body
 * parsed leniently (checklist E8); `cause` is what made a 2xx unusable.
 */
export async function httpError(
  label: string,
  url: string,
  response: Response,
  code: SmartAuthErrorCode,
  cause?: unknown,
): Promise<SmartAuthError> {
  const body = response.bodyUsed ? undefined : await readJson(response.clone()).catch(() => undefined);
  const {
    error,
    error_description: description,
    error_uri: uri,
  }: Record<string, unknown> = isObject(body) && typeof body.error === "string" ? body : {};
  const status = response.status;
  const detail = error ? error + (typeof description === "string" ? `: ${description}` : "") : "unusable response";
  return new SmartAuthError(`${label} ${printableUrl(url)} answered HTTP ${status} (${detail})`, {
    code,
    error: error as string | undefined,
    errorDescription: optionalString(description),
    errorUri: optionalString(uri),
    status,
    retryable: retryableStatus(status),
    cause,
    response,
  });
}

/**
 * Validate a 2xx token response and turn it into a StoredToken dated at `receivedAt`.
 * Shape checks are oauth4webapi's (access_token, token_type bearer in any case E13, refresh_token, scope);
 * SMART differs in a lenient expires_in (E2), any 2xx (E8), a BOM or text/json (E23), and in
 * verifying the id_token separately (id-token.ts), so it is set aside here and put back unverified.
 */
export async function processTokenResponse(
  response: Response,
  endpoint: string,
  receivedAt: number,
): Promise<StoredToken> {
  const { status } = response;
  if (status < 200 || status > 299)
    throw await httpError("Token endpoint", endpoint, response, SmartAuthErrorCode.TokenEndpoint);
  const invalid = (why: string) =>
    new SmartAuthError(`Token endpoint ${printableUrl(endpoint)} sent an invalid token response: ${why}`, {
      code: SmartAuthErrorCode.InvalidTokenResponse,
      status,
    });
  const body = await readJson(response);
  if (!isObject(body)) throw invalid("not a JSON object");
  // expires_in is checked below, more leniently than oauth4webapi does (E2)
  const { id_token: idToken, expires_in: expiresIn, ...rest } = body;
  // E1: servers send null (or "") for members they lack; absent, not a failed login.
  if (rest.scope === null) delete rest.scope;
  // the client's own record of the original grant (SmartClient, checklist 2.56) is never a server's to set
  delete rest.original_scope;
  if (rest.refresh_token === null || rest.refresh_token === "") delete rest.refresh_token;
  let checked: oauth.TokenEndpointResponse;
  try {
    checked = await oauth.processGenericTokenEndpointResponse(
      { issuer: endpoint, token_endpoint: endpoint },
      { client_id: "-" },
      new ParsedJsonResponse(rest),
    );
  } catch (cause) {
    // names only, never values: oauth4webapi's messages name the failing property
    throw invalid(String((cause as Error).message).replace(/[^\w "'`.-]/g, ""));
  }
  if (checked.token_type !== "bearer") throw invalid(`token_type "${checked.token_type}", SMART uses Bearer`);
  const token = { ...rest, ...checked, token_type: "Bearer" } as TokenResponse;
  // E2: a numeric string is coerced, 0 or negative means "expired now", anything else "expiry unknown" (toStoredToken)
  const seconds = typeof expiresIn === "string" && expiresIn.trim() !== "" ? Number(expiresIn) : expiresIn;
  if (typeof seconds === "number") token.expires_in = Math.max(0, seconds);
  if (typeof idToken === "string" && idToken !== "") token.id_token = idToken;
  return normaliseLaunchContext(toStoredToken(token, receivedAt));
}

/**
 * Launch context as SMART 2.2 defines it, whatever form the server used (E14): ids as strings,
 * `need_patient_banner` as a boolean, `fhirContext` as objects (pre-2.1 strings become references).
 * An id that is null, empty (E1) or of another type is dropped: no getter could use it, and every
 * token store refuses a StoredToken whose `patient` or `encounter` is not a string.
 */
export function normaliseLaunchContext(token: StoredToken): StoredToken {
  for (const key of ["patient", "encounter"] as const) {
    const id: unknown = token[key];
    if (typeof id === "number" && Number.isFinite(id)) token[key] = String(id);
    else if (id !== undefined && (typeof id !== "string" || id === "")) delete token[key];
  }
  const banner: unknown = token.need_patient_banner;
  if (typeof banner === "string") token.need_patient_banner = banner.toLowerCase() === "true";
  const context: unknown = token.fhirContext;
  if (Array.isArray(context)) {
    token.fhirContext = context
      .map((item: unknown) => (typeof item === "string" ? { reference: item } : item))
      .filter(isObject);
  } else if (context !== undefined) {
    delete token.fhirContext;
  }
  return token;
}
