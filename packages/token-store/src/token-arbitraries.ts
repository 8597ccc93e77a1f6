import fc from "fast-check";
import type { StoredToken } from "./types.js";

/** In every generated token's access and refresh token: an error, a log line or a raw read must never contain it. */
export const GENERATED_SECRET = "at-generated-secret-7f3c";

const OPTIONAL_STRINGS = ["refresh_token", "id_token", "scope", "patient", "encounter"] as const;

/** Any value but a string, some carrying the secret (a member that is not a string must not be echoed either). */
const notAString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([GENERATED_SECRET]),
  fc.constant({ value: GENERATED_SECRET }),
);

/** A StoredToken as a SMART server and the core make them: the promised members, launch context, unknown members. */
export const validToken: fc.Arbitrary<StoredToken> = fc
  .record(
    {
      access_token: fc.string({ minLength: 1, maxLength: 40 }).map((s) => `${GENERATED_SECRET}${s}`),
      token_type: fc.constantFrom("Bearer", "bearer", ""),
      expires_at: fc.oneof(
        fc.integer({ min: 0, max: 8_640_000_000_000 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
      ),
      expires_in: fc.integer({ min: 0, max: 86_400 }),
      refresh_token: fc.string({ maxLength: 40 }).map((s) => `rt-${GENERATED_SECRET}${s}`),
      id_token: fc.constant("eyJhbGciOiJSUzI1NiJ9.e30.sig"),
      scope: fc.string({ maxLength: 60 }),
      patient: fc.string({ maxLength: 20 }),
      encounter: fc.string({ maxLength: 20 }),
      fhirContext: fc.array(fc.record({ reference: fc.string({ maxLength: 20 }) }), { maxLength: 2 }),
      need_patient_banner: fc.boolean(),
      x_vendor: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: ["access_token", "token_type"] },
  )
  .map((t) => t as StoredToken);

/** One way to break a StoredToken, applied to a valid one: the member (or the whole value) and what it becomes. */
type Break = [member: string, value: unknown] | [member: string];

const breaks: fc.Arbitrary<Break> = fc.oneof(
  fc.constant<Break>(["access_token"]),
  fc.oneof(fc.constant(""), notAString).map((v): Break => ["access_token", v]),
  fc.constant<Break>(["token_type"]),
  notAString.map((v): Break => ["token_type", v]),
  fc
    .oneof(
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, "1893456000000", "soon"),
      notAString.filter((v) => typeof v !== "number"),
    )
    .map((v): Break => ["expires_at", v]),
  fc.tuple(fc.constantFrom(...OPTIONAL_STRINGS), notAString).map(([m, v]): Break => [m, v]),
);

/**
 * Values that are not StoredTokens: something else than an object, or a valid token with one promised
 * member missing or of the wrong type. Each stays malformed through a JSON round trip (NaN becomes null).
 */
export const malformedToken: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, GENERATED_SECRET, 42, true, [GENERATED_SECRET]),
  validToken.map((t) => [t]),
  fc.tuple(validToken, breaks).map(([token, [member, ...value]]) => {
    const broken: Record<string, unknown> = { ...token };
    if (value.length === 0) delete broken[member];
    else broken[member] = value[0];
    return broken;
  }),
);
