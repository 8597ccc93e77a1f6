import { TokenStoreError, TokenStoreErrorCode } from "@fhir-dsl/token-store";
import { runTokenStoreContract, sampleToken } from "@fhir-dsl/token-store/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebStorageTokenStore } from "../src/index.js";
import { MemoryStorage } from "./fakes.js";

const storage = new MemoryStorage();
const store = new WebStorageTokenStore({ clientId: "contract-app", storage });

// The core's TokenStore contract over a plain in-memory Storage (checklist 2.7: app-specific storage)
runTokenStoreContract({
  name: "WebStorageTokenStore over Storage",
  test: { describe, it, beforeAll, afterAll },
  createStore: () => store,
  raw: {
    read: async (key) => storage.getItem(`smart:contract-app:token:${key}`) ?? undefined,
    plaintext: true,
    writeToken: async (key, token) =>
      storage.setItem(`smart:contract-app:token:${key}`, JSON.stringify({ v: 1, token })),
  },
  generatedRuns: Number(process.env.FUZZ_RUNS ?? 300),
});

const runs = Number(process.env.FUZZ_RUNS ?? 300);

describe("WebStorageTokenStore", () => {
  it("namespaces keys per client: two apps on one origin never read each other's token", async () => {
    const shared = new MemoryStorage();
    const a = new WebStorageTokenStore({ clientId: "app-a", storage: shared });
    const b = new WebStorageTokenStore({ clientId: "app-b", storage: shared });
    await a.set("session", sampleToken({ access_token: "at-a" }));
    expect(await b.get("session")).toBeUndefined();
    expect(shared.key(0)).toBe("smart:app-a:token:session");
    expect(new WebStorageTokenStore({ prefix: "x/", storage: shared }).prefix).toBe("x/token:");
  });

  it("tampered or foreign values (many generated) read as store_corrupt_value, are removed, and never echo the value", async () => {
    const s = new MemoryStorage();
    const tokens = new WebStorageTokenStore({ clientId: "app", storage: s });
    const bad = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue().map((token) => JSON.stringify({ v: 1, token })),
      fc
        .record({ access_token: fc.oneof(fc.integer(), fc.constant(""), fc.constant(null)), token_type: fc.string() })
        .map((token) => JSON.stringify({ v: 1, token })),
      fc
        .record({
          access_token: fc.constant("at-secret-value"),
          token_type: fc.constant("Bearer"),
          expires_at: fc.oneof(fc.string(), fc.constant(null)),
        })
        .map((token) => JSON.stringify({ v: 1, token })),
      fc
        .integer({ min: 2 })
        .map((v) => JSON.stringify({ v, token: { access_token: "at-secret-value", token_type: "Bearer" } })),
    );
    await fc.assert(
      fc.asyncProperty(bad, async (text) => {
        s.setItem("smart:app:token:k", text);
        let valid = false;
        try {
          valid = (await tokens.get("k")) !== undefined; // a generated value may happen to be a valid token
        } catch (error) {
          expect(TokenStoreError.is(error)).toBe(true);
          expect((error as TokenStoreError).code).toBe(TokenStoreErrorCode.CorruptValue);
          expect((error as TokenStoreError).cause).toBeUndefined();
          expect(JSON.stringify(error)).not.toContain("at-secret-value");
          expect(s.getItem("smart:app:token:k")).toBeNull();
        }
        if (valid) expect(s.getItem("smart:app:token:k")).not.toBeNull();
      }),
      { numRuns: runs },
    );
  });

  it("a full storage (QuotaExceededError) is a TokenStoreError store_unavailable, not retryable, the quota error as cause", async () => {
    const tokens = new WebStorageTokenStore({ clientId: "app", storage: new MemoryStorage(200) });
    const error = await tokens.set("session", sampleToken()).catch((e: unknown) => e);
    expect(TokenStoreError.is(error)).toBe(true);
    expect(error).toMatchObject({
      code: TokenStoreErrorCode.Unavailable,
      retryable: false,
      key: "smart:app:token:session",
    });
    expect(((error as Error).cause as DOMException).name).toBe("QuotaExceededError");
    expect((error as Error).message).not.toContain("at-");
  });

  it("refuses to store a value that is not a token (store_invalid_value), writing nothing", async () => {
    const s = new MemoryStorage();
    const tokens = new WebStorageTokenStore({ clientId: "app", storage: s });
    await expect(tokens.set("k", { token_type: "Bearer" } as never)).rejects.toMatchObject({
      code: TokenStoreErrorCode.InvalidValue,
    });
    expect(s.length).toBe(0);
  });

  it("misuse at construction is a TypeError saying what to pass (no sessionStorage in Node, no clientId)", () => {
    expect(() => new WebStorageTokenStore({ clientId: "app" })).toThrow(/pass options.storage/);
    expect(() => new WebStorageTokenStore({ storage: new MemoryStorage() })).toThrow(TypeError);
    expect(() => new WebStorageTokenStore(undefined as never)).toThrow(TypeError);
  });
});
