// The defaults of every @fhir-dsl/smart option, in one place (each option's doc names its default).

/** Renew a token this long before it expires, capped at a quarter of its lifetime. */
export const DEFAULT_REFRESH_MARGIN_MS = 60_000;
/** Retries of a token request after a 5xx/429 or a transport failure, where a retry is safe. */
export const DEFAULT_MAX_RETRIES = 2;
/** Leeway for an id_token's `exp` and `iat`, in seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 60;
/** How long ago an id_token's `iat` may be, in seconds (checklist 7.1). */
export const DEFAULT_MAX_IAT_AGE_SECONDS = 3_600;
/** How long a launch may take from the authorization redirect to its callback. */
export const DEFAULT_STATE_TTL_MS = 600_000;
/** Redirects createAuthorizedFetch follows. */
export const DEFAULT_MAX_REDIRECTS = 5;
/** A private_key_jwt assertion's lifetime in seconds (at most 300, backend-services.html#protocol-details). */
export const DEFAULT_ASSERTION_LIFETIME_SECONDS = 240;
/** An authorize URL longer than this goes by POST when the server lists `authorize-post` (authorizeMethod "auto"). */
export const DEFAULT_MAX_AUTHORIZE_URL_LENGTH = 2_000;
