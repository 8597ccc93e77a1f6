/**
 * Fuzz (issue 9): the envelope the wrapped store hands back is outside input (anyone with write access
 * to Redis or the database). KmsEncryptedTokenStore.get of any placeholder or envelope (mutated, spliced
 * from another key's value, structurally valid but random, or garbage) yields the exact token written
 * under that key or a TokenStoreError; never another token, never an untyped error. The real KMSClient
 * talks to the local KMS fixture. FUZZ_RUNS sets the cases (default 300; `pnpm fuzz`: 100,000).
 */
import fc from "fast-check";
import type { StoredToken } from "@fhir-dsl/token-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenStoreError, TokenStoreErrorCode, type KmsEncryptedTokenStore } from "../src/index.js";
import { startLocalKms, type LocalKms } from "@fhir-dsl/test-kms";
import { encryptedStore, expectNoSecrets, secretToken, UncheckedMemoryStore } from "./helpers.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const testTimeout = Math.max(30_000, RUNS * 5);
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const tally = { tokens: 0, refused: 0, kmsCalls: 0 };

let kms: LocalKms;
let store: KmsEncryptedTokenStore;
// keeps junk placeholders as given (InMemoryTokenStore refuses what is not a StoredToken)
const inner = new UncheckedMemoryStore();
const victim = secretToken({ patient: "victim" });
const other = secretToken({ access_token: "AT-SECRET-OTHER-0001", patient: "other" });
let victimEnvelope = "";
let otherEnvelope = "";

beforeAll(async () => {
  kms = await startLocalKms();
  ({ store } = encryptedStore(kms, { store: inner }));
  await store.set("victim", victim);
  await store.set("other", other);
  victimEnvelope = String((await inner.get("victim"))!.__kms);
  otherEnvelope = String((await inner.get("other"))!.__kms);
});
afterAll(async () => {
  tally.kmsCalls = store.stats.decrypt;
  console.log(
    `fuzz KmsEncryptedTokenStore.get: ${tally.tokens} tokens, ${tally.refused} refused with TokenStoreError, ${tally.kmsCalls} KMS Decrypt calls`,
  );
  await kms.close();
});

const bytes = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((b) => Buffer.from(b).toString("base64url"));
const mutations = fc.oneof(
  // characters replaced, inserted or deleted anywhere in the real envelope
  fc
    .array(fc.tuple(fc.nat(400), fc.constantFrom(...`${B64}.=+/ `), fc.constantFrom("replace", "insert", "delete")), {
      minLength: 1,
      maxLength: 3,
    })
    .map((edits) => (text: string) => {
      let out = text;
      for (const [at, char, op] of edits) {
        const i = at % Math.max(1, out.length);
        out =
          op === "replace"
            ? out.slice(0, i) + char + out.slice(i + 1)
            : op === "insert"
              ? out.slice(0, i) + char + out.slice(i)
              : out.slice(0, i) + out.slice(i + 1);
      }
      return out;
    }),
  // parts spliced in from another key's envelope (same data key, other AAD)
  fc.subarray([1, 2, 3, 4], { minLength: 1 }).map((parts) => (text: string) => {
    const mine = text.split(".");
    const theirs = otherEnvelope.split(".");
    for (const p of parts) mine[p] = theirs[p]!;
    return mine.join(".");
  }),
  // structurally valid, random content: reaches KMS Decrypt
  fc
    .tuple(
      fc.constantFrom("alias/tokens", "arn:aws:kms:us-east-1:111122223333:key/x", "é"),
      bytes(1, 200),
      bytes(12, 12),
      bytes(16, 120),
    )
    .map(
      ([id, ...p]) =>
        () =>
          `kms1.${[Buffer.from(id).toString("base64url"), ...p].join(".")}`,
    ),
  fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 200 })).map((s) => () => s),
  fc.constantFrom("kms1", "kms1....", "kms2.a.b.c.d", "KMS1.a.b.c.d", "kms1.a.b.c.d.e").map((s) => () => s),
  fc.constant(() => otherEnvelope),
);
const placeholder = fc.oneof(
  { arbitrary: mutations.map((mutate) => ({ kind: "envelope" as const, mutate })), weight: 6 },
  fc
    .record(
      {
        access_token: fc.oneof(fc.constant("<redacted>"), fc.string()),
        token_type: fc.oneof(fc.constant("kms-envelope"), fc.string()),
        __kms: fc.anything(),
      },
      { requiredKeys: [] },
    )
    .map((value) => ({ kind: "object" as const, value })),
  fc
    .anything()
    .filter((v) => v !== undefined)
    .map((value) => ({ kind: "object" as const, value })),
);

describe(`fuzz: KMS envelopes read back from the wrapped store (${RUNS} cases)`, () => {
  it("get yields the token written under that key or a TokenStoreError; never another token (AAD binds the key)", {
    timeout: testTimeout,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(placeholder, async (input) => {
        let stored: StoredToken;
        let envelope: unknown;
        if (input.kind === "envelope") {
          envelope = input.mutate(victimEnvelope);
          stored = { access_token: "<redacted>", token_type: "kms-envelope", __kms: envelope };
        } else {
          stored = input.value as StoredToken;
          envelope = (input.value as { __kms?: unknown } | null)?.__kms;
        }
        await inner.set("victim", stored);
        try {
          const token = await store.get("victim");
          tally.tokens++;
          // only the untouched envelope decrypts, and only to the victim's own token
          expect(envelope).toBe(victimEnvelope);
          expect(token).toEqual(victim);
        } catch (error) {
          tally.refused++;
          if (!TokenStoreError.is(error)) throw error;
          expect([
            TokenStoreErrorCode.CorruptValue,
            TokenStoreErrorCode.DecryptFailed,
            TokenStoreErrorCode.KeyService,
          ]).toContain(error.code);
          expect(error.key).toBe("victim");
          expectNoSecrets(error, ["AT-SECRET-OTHER-0001"]);
        }
      }),
      { numRuns: RUNS, timeout: 5_000 },
    );
  });

  // Issue 15 §6: a store that refuses everything must fail. Every token written under any key, its envelope
  // passed through JSON as a Redis or database store does, reads back exactly (counted).
  it("get of any envelope this store wrote (after a JSON round trip) is the token written, exactly (counted)", {
    timeout: testTimeout,
  }, async () => {
    let read = 0;
    const token = fc.record(
      {
        access_token: fc.string({ minLength: 1, maxLength: 200 }),
        token_type: fc.constant("Bearer"),
        expires_at: fc.integer({ min: 0, max: 8_640_000_000_000 }),
        refresh_token: fc.string({ minLength: 1, maxLength: 100 }),
        scope: fc.constantFrom("patient/*.rs openid fhirUser", "system/*.rs", ""),
        patient: fc.stringMatching(/^[A-Za-z0-9.-]{1,64}$/),
      },
      { requiredKeys: ["access_token", "token_type"] },
    );
    await fc.assert(
      fc.asyncProperty(token, fc.stringMatching(/^[\w:.-]{1,60}$/), async (value, key) => {
        await store.set(key, value);
        await inner.set(key, JSON.parse(JSON.stringify(await inner.get(key))) as StoredToken);
        expect(await store.get(key)).toEqual(value);
        read++;
      }),
      { numRuns: RUNS, timeout: 5_000 },
    );
    expect(read).toBe(RUNS);
  });
});
