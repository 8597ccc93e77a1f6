import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assertStoredToken,
  InMemoryTokenStore,
  storedTokenProblem,
  TokenStoreError,
  TokenStoreErrorCode,
  type StoredToken,
} from "../src/index.js";
import { GENERATED_SECRET, malformedToken, validToken } from "../src/token-arbitraries.js";

const runs = Number(process.env.FUZZ_RUNS ?? 300);
const base: StoredToken = { access_token: "at-secret-1", token_type: "Bearer" };

describe("storedTokenProblem: the one StoredToken rule of every store", () => {
  it.each<[string, unknown, string]>([
    ["null", null, "not a token object"],
    ["a string", "at-secret-1", "not a token object"],
    ["an array of tokens", [base], "not a token object"],
    ["no access_token", { token_type: "Bearer" }, "access_token must be a non-empty string"],
    ["an empty access_token (a Bearer header with no credential)", { ...base, access_token: "" }, "access_token"],
    ["a numeric access_token", { ...base, access_token: 42 }, "access_token must be a non-empty string"],
    ["no token_type", { access_token: "at" }, "token_type must be a string"],
    ["expires_at NaN (renewal checks always false)", { ...base, expires_at: Number.NaN }, "expires_at"],
    ["expires_at Infinity", { ...base, expires_at: Number.POSITIVE_INFINITY }, "expires_at must be a finite number"],
    ["expires_at as a string (would be re-dated from now)", { ...base, expires_at: "1893456000000" }, "expires_at"],
    ["expires_at null", { ...base, expires_at: null }, "expires_at must be a finite number"],
    ["refresh_token null", { ...base, refresh_token: null }, "refresh_token must be a string"],
    ["id_token as an object", { ...base, id_token: {} }, "id_token must be a string"],
    ["scope as an array", { ...base, scope: ["openid"] }, "scope must be a string"],
    ["patient as a number (the core coerces it before storing)", { ...base, patient: 123 }, "patient must be a string"],
    ["encounter as a boolean", { ...base, encounter: true }, "encounter must be a string"],
  ])("refuses %s", (_, value, reason) => {
    expect(storedTokenProblem(value)).toContain(reason);
  });

  it("accepts the minimal token, unknown members, an empty token_type and a missing expiry (checklist E2)", () => {
    expect(storedTokenProblem(base)).toBeUndefined();
    expect(storedTokenProblem({ ...base, token_type: "", __vendor: { x: [1] }, expires_in: "x" })).toBeUndefined();
    expect(storedTokenProblem({ ...base, expires_at: 0, refresh_token: "", scope: "" })).toBeUndefined();
  });

  it("property: generated valid tokens pass, generated malformed values fail, reasons never echo a value", () => {
    fc.assert(
      fc.property(validToken, (t) => storedTokenProblem(t) === undefined),
      { numRuns: runs },
    );
    fc.assert(
      fc.property(malformedToken, (value) => {
        const reason = storedTokenProblem(value);
        return reason !== undefined && !reason.includes(GENERATED_SECRET) && /^[\w -]+$/.test(reason);
      }),
      { numRuns: runs },
    );
  });
});

describe("assertStoredToken", () => {
  const caught = (run: () => void): TokenStoreError => {
    try {
      run();
    } catch (error) {
      if (TokenStoreError.is(error)) return error;
      throw error;
    }
    throw new Error("expected a TokenStoreError");
  };

  it("on write is store_invalid_value, on read store_corrupt_value; both name the key and the reason only", () => {
    const bad = { access_token: "", refresh_token: "rt-secret-2", token_type: "Bearer" };
    const written = caught(() => assertStoredToken("grant:1", bad, "write"));
    expect(written).toMatchObject({ code: TokenStoreErrorCode.InvalidValue, key: "grant:1", retryable: false });
    expect(written.message).toBe(
      'Cannot store under token-store key "grant:1": access_token must be a non-empty string',
    );
    const read = caught(() => assertStoredToken("grant:1", bad, "read"));
    expect(read).toMatchObject({ code: TokenStoreErrorCode.CorruptValue, key: "grant:1", retryable: false });
    expect(read.message).toBe(
      'Value under token-store key "grant:1" is not a token this store wrote: access_token must be a non-empty string',
    );
    for (const error of [written, read]) expect(`${JSON.stringify(error)} ${error.stack}`).not.toContain("secret");
    expect(() => assertStoredToken("k", base, "read")).not.toThrow();
  });
});

describe("InMemoryTokenStore checks on set, like every adapter (behaviour change of this release)", () => {
  it("a value structuredClone refuses (a function member) is store_invalid_value, without the function's source", async () => {
    const store = new InMemoryTokenStore();
    const value = { ...base, onRefresh: () => "fn-body-secret" } as unknown as StoredToken;
    const error = await store.set("k", value).catch((e: unknown) => e);
    expect(TokenStoreError.is(error, TokenStoreErrorCode.InvalidValue)).toBe(true);
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain("fn-body-secret");
    expect(store.size).toBe(0);
  });
});
