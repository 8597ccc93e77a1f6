/**
 * Fuzz (issue 9): token endpoint answers are outside input. processTokenResponse (the one parser every
 * grant goes through) turns any status, header set and body into a StoredToken that keeps its promises
 * (Bearer, finite absolute expiry or none, launch context normalised) or a SmartAuthError; never another
 * error, never a hang. FUZZ_RUNS sets the cases per target (default 300; `pnpm fuzz`: 100,000).
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { storedTokenProblem } from "@fhir-dsl/token-store";
import { SmartAuthError, type StoredToken } from "../src/index.js";
import { processTokenResponse } from "../src/token-response.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const testTimeout = Math.max(30_000, RUNS * 5);
const ENDPOINT = "https://ehr.example/auth/token";
const RECEIVED_AT = 1_800_000_000_000;
const tally = { accepted: 0, refused: 0 };
afterAll(() =>
  console.log(`fuzz processTokenResponse: ${tally.accepted} accepted, ${tally.refused} refused with SmartAuthError`),
);

const numberish = fc.oneof(
  fc.integer({ min: -10, max: 100_000 }),
  fc.double(),
  fc.constantFrom(
    3600,
    "3600",
    " 3600 ",
    "",
    " ",
    "0",
    "-5",
    "1e3",
    "0x10",
    "Infinity",
    "NaN",
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    2 ** 53 + 1,
    1.5,
    null,
    true,
    [],
    {},
    [3600],
  ),
  fc.string({ maxLength: 8 }),
);
const tokenType = fc.oneof(
  fc.constantFrom("Bearer", "bearer", "BEARER", "bEaReR", "DPoP", "mac", "", " Bearer", "Bearer "),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.constant(null),
);
const anyValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);
const fhirContext = fc.oneof(
  fc.array(
    fc.oneof(
      fc.constantFrom("Patient/1", "DiagnosticReport/7"),
      fc.record({ reference: fc.string({ maxLength: 10 }) }),
      fc.record({ canonical: fc.string({ maxLength: 10 }), role: fc.string({ maxLength: 5 }) }),
      anyValue,
    ),
    { maxLength: 4 },
  ),
  anyValue,
);

/** Bodies near a valid token response: each member present, absent, or of any type. */
const nearValid = fc.record(
  {
    access_token: fc.oneof({ arbitrary: fc.string({ minLength: 1, maxLength: 40 }), weight: 5 }, anyValue),
    token_type: tokenType,
    expires_in: numberish,
    scope: fc.oneof(
      fc.constantFrom("patient/*.rs openid fhirUser", "", "launch/patient patient/Observation.read"),
      fc.string({ maxLength: 40 }),
      anyValue,
    ),
    refresh_token: fc.oneof(fc.string({ maxLength: 20 }), anyValue),
    id_token: fc.oneof(fc.constantFrom("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "a.b.c"), anyValue),
    patient: fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), anyValue),
    encounter: fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), anyValue),
    need_patient_banner: fc.oneof(fc.boolean(), fc.constantFrom("true", "false", "TRUE", "yes"), anyValue),
    fhirContext,
    authorization_details: anyValue,
    error: fc.oneof(fc.constantFrom("invalid_grant", "invalid_client", "server_error"), anyValue),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  { arbitrary: nearValid.map((b) => JSON.stringify(b)), weight: 6 },
  nearValid.map((b) => `\uFEFF${JSON.stringify(b)}`),
  nearValid.map((b) => JSON.stringify(b).slice(0, -2)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.constantFrom(
    "",
    "null",
    "[]",
    "<!doctype html><h1>502 Bad Gateway</h1>",
    "Internal Server Error",
    '{"__proto__":{"polluted":1},"access_token":"a","token_type":"bearer"}',
  ),
  fc.string({ unit: "binary", maxLength: 200 }),
);
const status = fc.oneof(
  { arbitrary: fc.constant(200), weight: 5 },
  fc.constantFrom(201, 202, 204, 299, 300, 302, 400, 401, 403, 429, 500, 502, 503),
  fc.integer({ min: 200, max: 599 }),
);
const contentType = fc.constantFrom(
  "application/json",
  "application/json;charset=UTF-8",
  "text/json",
  "text/html",
  "text/plain",
  "",
  "application/x-www-form-urlencoded",
);

/** What a returned token promises, whatever the server sent. */
function expectUsable(token: StoredToken): void {
  tally.accepted++;
  expect(typeof token.access_token).toBe("string");
  expect(token.token_type).toBe("Bearer");
  if (token.expires_at !== undefined) {
    expect(Number.isFinite(token.expires_at)).toBe(true);
    expect(token.expires_at).toBeGreaterThanOrEqual(RECEIVED_AT);
  }
  if (token.expires_in !== undefined) expect(Number.isFinite(token.expires_in)).toBe(true);
  // E14: a string banner becomes a boolean
  // E1, E14: an id is a non-empty string or absent, so every token store accepts the token (storedTokenProblem)
  for (const id of [token.patient, token.encounter]) if (id !== undefined) expect(id).toMatch(/./);
  expect(storedTokenProblem(token)).toBeUndefined();
  expect(typeof token.need_patient_banner).not.toBe("string");
  if (token.fhirContext !== undefined) {
    expect(Array.isArray(token.fhirContext)).toBe(true);
    for (const item of token.fhirContext as unknown[])
      expect(typeof item === "object" && item !== null && !Array.isArray(item)).toBe(true);
  }
  // a StoredToken must survive the JSON round trip every store does
  expect(JSON.parse(JSON.stringify(token)).expires_at).toBe(token.expires_at);
}

function expectTyped(error: unknown, text: string): void {
  tally.refused++;
  if (!SmartAuthError.is(error)) throw error;
  expect(["token_endpoint_error", "invalid_token_response"]).toContain(error.code);
  // Only OAuth error fields may be echoed: never an access or refresh token from the body.
  const shown = `${error.message} ${JSON.stringify(error)}`;
  try {
    const parsed = JSON.parse(text.replace(/^\uFEFF/, "")) as Record<string, unknown>;
    for (const secret of [parsed?.access_token, parsed?.refresh_token]) {
      if (typeof secret === "string" && secret.length >= 8) expect(shown).not.toContain(secret);
    }
  } catch {
    // not JSON: nothing to compare
  }
}

describe(`fuzz: token responses (${RUNS} cases)`, () => {
  it("processTokenResponse: any answer is a usable StoredToken or a SmartAuthError (checklist 2.43, E2, E8, E13, E14, E23)", {
    timeout: testTimeout,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(body, status, contentType, async (text, code, type) => {
        const noBody = [204, 205, 304].includes(code);
        const response = new Response(noBody ? null : text, {
          status: code,
          headers: type ? { "content-type": type } : {},
        });
        try {
          expectUsable(await processTokenResponse(response, ENDPOINT, RECEIVED_AT));
        } catch (error) {
          expectTyped(error, text);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS, timeout: 2_000 },
    );
  });
});

// Issue 15 §6: a parser that refuses everything must fail. RFC 6749 §5.1 answers (any access token, Bearer in
// any case, expires_in a non-negative integer or absent, optional scope, refresh token, id_token and SMART
// launch context) with 200 and a JSON content type are accepted, and keep what they said.
const validBody = fc.record(
  {
    access_token: fc.stringMatching(/^[\w.~+/-]{1,200}=*$/),
    token_type: fc.constantFrom("Bearer", "bearer", "BEARER", "bEaReR"),
    expires_in: fc.option(fc.integer({ min: 0, max: 10 * 365 * 86_400 }), { nil: undefined }),
    scope: fc.option(
      fc.constantFrom(
        "patient/*.rs openid fhirUser",
        "launch/patient patient/Observation.rs offline_access",
        "system/*.rs",
      ),
      { nil: undefined },
    ),
    refresh_token: fc.option(fc.stringMatching(/^[\w.~+/-]{1,100}$/), { nil: undefined }),
    patient: fc.option(fc.stringMatching(/^[A-Za-z0-9.-]{1,64}$/), { nil: undefined }),
    encounter: fc.option(fc.stringMatching(/^[A-Za-z0-9.-]{1,64}$/), { nil: undefined }),
    need_patient_banner: fc.option(fc.boolean(), { nil: undefined }),
    fhirContext: fc.option(
      fc.array(
        fc.oneof(
          fc.record({ reference: fc.constantFrom("Patient/1", "DiagnosticReport/7") }),
          fc.record({ canonical: fc.constant("http://x.example/Questionnaire/q"), role: fc.constant("launch") }),
        ),
        { maxLength: 3 },
      ),
      { nil: undefined },
    ),
  },
  { requiredKeys: ["access_token", "token_type"] },
);

describe(`fuzz: valid token responses are accepted (${RUNS} cases)`, () => {
  it("processTokenResponse accepts every RFC 6749 §5.1 answer and keeps its token, expiry and context (counted)", {
    timeout: testTimeout,
  }, async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        validBody,
        fc.constantFrom("application/json", "application/json;charset=UTF-8", "application/json; charset=utf-8"),
        async (body, type) => {
          const response = new Response(JSON.stringify(body), { status: 200, headers: { "content-type": type } });
          const token = await processTokenResponse(response, ENDPOINT, RECEIVED_AT);
          expectUsable(token);
          expect(token.access_token).toBe(body.access_token);
          if (body.expires_in !== undefined) expect(token.expires_at).toBe(RECEIVED_AT + body.expires_in * 1000);
          if (body.refresh_token !== undefined) expect(token.refresh_token).toBe(body.refresh_token);
          if (body.patient !== undefined) expect(token.patient).toBe(body.patient);
          if (body.need_patient_banner !== undefined) expect(token.need_patient_banner).toBe(body.need_patient_banner);
          accepted++;
        },
      ),
      { numRuns: RUNS },
    );
    expect(accepted).toBe(RUNS);
  });
});
