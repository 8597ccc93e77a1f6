import { SmartAuthErrorCode, type LaunchRecord } from "@fhir-dsl/smart";
import { TokenStoreError, TokenStoreErrorCode } from "@fhir-dsl/token-store";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WebStorageLaunchStateStore } from "../src/index.js";
import { MemoryStorage } from "./fakes.js";

const record = (state: string, extra: Partial<LaunchRecord> = {}): LaunchRecord => ({
  state,
  codeVerifier: "v".repeat(43),
  nonce: "n1",
  redirectUri: "https://app.example/",
  fhirBaseUrl: "https://ehr.example/fhir",
  smartConfig: {
    issuer: "https://ehr.example/auth",
    authorization_endpoint: "https://ehr.example/auth/authorize",
    token_endpoint: "https://ehr.example/auth/token",
  } as LaunchRecord["smartConfig"],
  clientId: "app",
  scope: "launch openid",
  session: "binding",
  createdAt: 1_000,
  ...extra,
});

function setup(options: { now?: () => number; maxEntries?: number; quota?: number } = {}) {
  const storage = new MemoryStorage(options.quota);
  return { storage, store: new WebStorageLaunchStateStore({ clientId: "app", storage, ...options }) };
}

describe("WebStorageLaunchStateStore", () => {
  it("a state is single-use: take returns the record once, then undefined (checklist 2.3, E12)", async () => {
    const { store, storage } = setup();
    await store.put("s1", record("s1"), 60_000);
    expect(storage.key(0)).toBe("smart:app:launch:s1");
    expect(await store.take("s1")).toEqual(record("s1"));
    expect(await store.take("s1")).toBeUndefined();
    expect(storage.length).toBe(0);
  });

  it("parallel launches keep their own records under per-state keys (E12: tabs never overwrite each other)", async () => {
    const { store } = setup();
    const states = Array.from({ length: 10 }, (_, i) => `state-${i}`);
    await Promise.all(
      states.map((s) => store.put(s, record(s, { codeVerifier: `verifier-${s}`.padEnd(43, "x") }), 60_000)),
    );
    for (const s of [...states].reverse())
      expect((await store.take(s))?.codeVerifier).toBe(`verifier-${s}`.padEnd(43, "x"));
  });

  it("an expired record is never returned, and the next put sweeps expired and unreadable ones", async () => {
    let now = 1_000;
    const { store, storage } = setup({ now: () => now });
    await store.put("old", record("old"), 1_000);
    storage.setItem("smart:app:launch:junk", "{not json");
    storage.setItem("other-app:launch:x", "kept");
    now = 2_000;
    expect(await store.take("old")).toBeUndefined();
    await store.put("old2", record("old2"), 1_000);
    now = 3_500;
    await store.put("new", record("new"), 1_000);
    expect(storage.getItem("smart:app:launch:old2")).toBeNull();
    expect(storage.getItem("smart:app:launch:junk")).toBeNull();
    expect(storage.getItem("other-app:launch:x")).toBe("kept");
    expect(store.sweep()).toEqual(["smart:app:launch:new"]);
  });

  it("tampered records (many generated) are store_corrupt_value and removed; never a crash, never the verifier in the error", async () => {
    const { store, storage } = setup();
    const tampered = fc.oneof(
      fc.string(),
      fc.jsonValue().map((r) => JSON.stringify({ v: 1, until: 9e15, record: r })),
      fc
        .constantFrom(
          "state",
          "codeVerifier",
          "redirectUri",
          "fhirBaseUrl",
          "clientId",
          "scope",
          "smartConfig",
          "createdAt",
          "nonce",
        )
        .chain((field) =>
          fc.oneof(fc.integer(), fc.constant(null), fc.constant([]), fc.constant("")).map((value) =>
            JSON.stringify({
              v: 1,
              until: 9e15,
              record: { ...record("s"), codeVerifier: "secret-verifier-value-".padEnd(43, "x"), [field]: value },
            }),
          ),
        ),
      // a record copied under another state's key
      fc
        .string({ minLength: 1 })
        .filter((s) => s !== "s")
        .map((other) => JSON.stringify({ v: 1, until: 9e15, record: record(other) })),
    );
    await fc.assert(
      fc.asyncProperty(tampered, async (text) => {
        storage.setItem("smart:app:launch:s", text);
        const error = await store.take("s").then(
          (r) => r,
          (e: unknown) => e,
        );
        expect(storage.getItem("smart:app:launch:s")).toBeNull();
        if (error === undefined) return; // e.g. `""` for nonce is a string: a valid record, or an expired one
        if (TokenStoreError.is(error)) {
          expect(error.code).toBe(TokenStoreErrorCode.CorruptValue);
          expect(JSON.stringify(error) + error.message).not.toContain("secret-verifier-value");
        } else expect((error as LaunchRecord).state).toBe("s");
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  });

  it("bounds waiting launches (maxEntries, default 16): the next start is launch_limit, waiting ones stay (F18)", async () => {
    const { store, storage } = setup({ maxEntries: 3 });
    for (const s of ["a", "b", "c"]) await store.put(s, record(s), 60_000);
    await expect(store.put("d", record("d"), 60_000)).rejects.toMatchObject({ code: SmartAuthErrorCode.LaunchLimit });
    expect(storage.length).toBe(3);
    await store.put("a", record("a"), 60_000); // replacing one's own key is not a new launch
    expect(() => new WebStorageLaunchStateStore({ clientId: "app", storage, maxEntries: 0 })).toThrow(TypeError);
  });

  it("a full storage on put is TokenStoreError store_unavailable with the QuotaExceededError as cause", async () => {
    const { store } = setup({ quota: 100 });
    const error = await store.put("s", record("s"), 60_000).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: TokenStoreErrorCode.Unavailable, retryable: false });
    expect(((error as Error).cause as DOMException).name).toBe("QuotaExceededError");
    expect((error as Error).message).not.toContain("vvvv");
  });
});
