import fc from "fast-check";
import { TokenStoreError, type TokenStoreErrorCode } from "./errors.js";
import { storedTokenProblem } from "./stored-token-check.js";
import { GENERATED_SECRET, malformedToken, validToken } from "./token-arbitraries.js";
import type { StoredToken, TokenStore } from "./types.js";

/** The parts of a test runner the suite needs (vitest, jest and node:test adapters all fit). */
export interface ContractTestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void> | void, timeoutMs?: number): void;
  beforeAll?(body: () => Promise<void> | void): void;
  afterAll?(body: () => Promise<void> | void): void;
}

/** How to look behind the store, to prove what really landed in the backend. */
export interface RawBackend {
  /** The bytes or text stored for the TokenStore key `key`, or undefined when nothing is there. */
  read(key: string): Promise<string | Uint8Array | undefined>;
  /** Remaining time to live in ms of the raw entry, if the backend expires entries (else omit). */
  ttlMs?(key: string): Promise<number | undefined>;
  /** Whether stored values may contain the token in clear text (false for an encrypting store). */
  plaintext: boolean;
  /**
   * Store `token` under `key` in this store's own format (JSON, encrypted when the store encrypts), skipping
   * every check of `set`: what a foreign writer, an older release or a tamperer leaves. With it the suite
   * proves that malformed values read back as `store_corrupt_value` (omit it where nothing but `set` can write).
   */
  writeToken?(key: string, token: unknown): Promise<void>;
}

export interface ContractSuiteOptions {
  /** Shown in the suite's name. */
  name: string;
  test: ContractTestApi;
  /** A fresh store, or the same one: every test uses its own random keys. */
  createStore(): TokenStore | Promise<TokenStore>;
  raw?: RawBackend;
  /** Called once after all tests, e.g. to close a client. */
  teardown?(): Promise<void> | void;
  /** Whether the store must offer `lock` (default: checked only when present). */
  requireLock?: boolean;
  /** Cases of each generated (fast-check) test of valid and malformed values (default 100). */
  generatedRuns?: number;
}

class ContractFailure extends Error {
  override name = "ContractFailure";
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ContractFailure(message);
}

function sameJson(actual: unknown, expected: unknown, message: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(a === e, `${message}: expected ${e}, got ${a}`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function randomKey(label: string): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  const id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `contract:${label}:${id}`;
}

/** A token with every field a SMART server may send, plus unknown ones, to prove nothing is dropped. */
export function sampleToken(overrides: Partial<StoredToken> = {}): StoredToken {
  const secret = randomKey("secret").slice(-16);
  return {
    access_token: `at-${secret}-\u00e9\u{1F511}`,
    token_type: "Bearer",
    expires_in: 300,
    expires_at: 1_893_456_000_123,
    scope: "launch/patient openid fhirUser patient/Observation.rs?category=laboratory",
    refresh_token: `rt-${secret}`,
    id_token: "eyJhbGciOiJSUzI1NiJ9.e30.sig",
    patient: "123",
    encounter: "enc-1",
    fhirContext: [{ reference: "Patient/123", role: "launch" }, { canonical: "http://x/Q|1.0" }],
    need_patient_banner: true,
    smart_style_url: "https://ehr.example/style.json",
    intent: "reconcile-medications",
    tenant: "t1",
    __vendor_extension: { nested: [1, "two", null] },
    ...overrides,
  };
}

/** What every group of the contract shares: the runner, the raw backend, the options, one store. */
interface Suite {
  test: ContractTestApi;
  raw: RawBackend | undefined;
  options: ContractSuiteOptions;
  getStore(): Promise<TokenStore>;
}

/**
 * The TokenStore contract, run by every adapter. Register it inside a test file:
 * `runTokenStoreContract({ name: "redis", test: { describe, it }, createStore, raw })`.
 */
export function runTokenStoreContract(options: ContractSuiteOptions): void {
  const { test, raw } = options;
  let store: TokenStore | undefined;
  const getStore = async (): Promise<TokenStore> => {
    store ??= await options.createStore();
    return store;
  };
  const suite: Suite = { test, raw, options, getStore };

  test.describe(`TokenStore contract: ${options.name}`, () => {
    if (options.teardown && test.afterAll) test.afterAll(options.teardown);
    getSetTests(suite);
    deleteTests(suite);
    isolationTests(suite);
    if (raw) rawBackendTests(suite, raw);
    generatedValueTests(suite);
    if (raw?.writeToken) malformedReadTests(suite, raw.writeToken);
    lockTests(suite);
    fencedWriteTests(suite);
    staleFencedWriteTests(suite);
    leaseExtensionTests(suite);
    manyHoldersTests(suite);
  });
}

/** get and set: unknown keys, full round trips, overwrites. */
function getSetTests({ test, getStore }: Suite): void {
  test.it("get of an unknown key resolves to undefined", async () => {
    const s = await getStore();
    check((await s.get(randomKey("missing"))) === undefined, "unknown key must read as undefined");
  });

  test.it("set then get returns every field, unknown ones and expires_at included", async () => {
    const s = await getStore();
    const key = randomKey("roundtrip");
    const token = sampleToken();
    await s.set(key, token);
    sameJson(await s.get(key), token, "round trip");
  });

  test.it("a token without expires_at or refresh_token round-trips unchanged", async () => {
    const s = await getStore();
    const key = randomKey("minimal");
    const token: StoredToken = { access_token: "at-minimal", token_type: "bearer" };
    await s.set(key, token);
    sameJson(await s.get(key), token, "minimal round trip");
  });

  test.it("set overwrites the previous value", async () => {
    const s = await getStore();
    const key = randomKey("overwrite");
    await s.set(key, sampleToken({ access_token: "first" }));
    await s.set(key, sampleToken({ access_token: "second", refresh_token: "rotated" }));
    const got = await s.get(key);
    check(got?.access_token === "second" && got.refresh_token === "rotated", "second set must win");
  });
}

/** delete: the value and its raw entry are gone; a missing key is no error. */
function deleteTests({ test, raw, getStore }: Suite): void {
  test.it("delete removes the value and deleting a missing key does not throw", async () => {
    const s = await getStore();
    const key = randomKey("delete");
    await s.set(key, sampleToken());
    await s.delete(key);
    check((await s.get(key)) === undefined, "deleted key must read as undefined");
    await s.delete(key);
    await s.delete(randomKey("never-set"));
    if (raw) check((await raw.read(key)) === undefined, "delete must remove the raw entry");
  });
}

/** keys and copies: independent keys, copies in and out, one winner among concurrent sets. */
function isolationTests({ test, getStore }: Suite): void {
  test.it("keys are independent, including keys that differ only by case or punctuation", async () => {
    const s = await getStore();
    const base = randomKey("iso");
    const keys = [base, base.toUpperCase(), `${base}:x`, `${base}/x`, `${base} x`];
    await Promise.all(keys.map((k, i) => s.set(k, sampleToken({ access_token: `at-${i}` }))));
    const got = await Promise.all(keys.map((k) => s.get(k)));
    got.forEach((t, i) => check(t?.access_token === `at-${i}`, `key ${i} must keep its own value`));
  });

  test.it("a value read back is a copy: mutating it does not change the store", async () => {
    const s = await getStore();
    const key = randomKey("copy");
    const token = sampleToken();
    await s.set(key, token);
    token.access_token = "mutated-after-set";
    const first = await s.get(key);
    check(first !== undefined && first.access_token !== "mutated-after-set", "set must copy its input");
    first.access_token = "mutated-after-get";
    check((await s.get(key))?.access_token !== "mutated-after-get", "get must return a copy");
  });

  test.it("concurrent sets to one key leave exactly one of the written values", async () => {
    const s = await getStore();
    const key = randomKey("race");
    const written = Array.from({ length: 20 }, (_, i) => `at-race-${i}`);
    await Promise.all(written.map((t) => s.set(key, sampleToken({ access_token: t }))));
    const got = await s.get(key);
    check(got !== undefined && written.includes(got.access_token), "a written value must win whole");
  });
}

/** The raw backend: what landed is ciphertext when it must be, and the entry expires no earlier than it may be used. */
function rawBackendTests({ test, getStore }: Suite, raw: RawBackend): void {
  test.it(`the raw backend holds ${raw.plaintext ? "the value" : "no plaintext token"}`, async () => {
    const s = await getStore();
    const key = randomKey("raw");
    const token = sampleToken();
    await s.set(key, token);
    const stored = await raw.read(key);
    check(stored !== undefined, "set must write to the backend");
    const text = typeof stored === "string" ? stored : new TextDecoder("utf-8", { fatal: false }).decode(stored);
    if (!raw.plaintext) {
      check(!text.includes(token.access_token), "access token must not be stored in clear");
      check(!text.includes(token.refresh_token as string), "refresh token must not be stored in clear");
    }
  });

  if (raw.ttlMs) {
    const ttlMs = raw.ttlMs;
    test.it("the raw entry expires, and never before a refreshable token could be used", async () => {
      const s = await getStore();
      const key = randomKey("ttl");
      const expiresAt = Date.now() + 60_000;
      await s.set(key, sampleToken({ expires_at: expiresAt, refresh_token: undefined }));
      const ttl = await ttlMs(key);
      check(ttl !== undefined && ttl > 0, "a TTL must be set");
      check(ttl >= 55_000, `TTL ${ttl} ms must cover the access token's lifetime`);
      const refreshKey = randomKey("ttl-refresh");
      await s.set(refreshKey, sampleToken({ expires_at: Date.now() + 1_000, refresh_token: "rt" }));
      const refreshTtl = await ttlMs(refreshKey);
      check(refreshTtl === undefined || refreshTtl > 60_000, "a refreshable token must outlive its access token");
    });
  }
}

/** lock(): exclusive, releasable, leased; a stale holder cannot free a newer lock. */
function lockTests({ test, options, getStore }: Suite): void {
  test.it(
    options.requireLock ? "offers lock()" : "lock(), when offered, is exclusive, releasable and leased",
    async () => {
      const s = await getStore();
      if (typeof s.lock !== "function") {
        check(!options.requireLock, "this store must offer lock()");
        return;
      }
      const key = randomKey("lock");
      const first = await s.lock(key, 5_000);
      check(first !== undefined, "first lock must be granted");
      check((await s.lock(key, 5_000)) === undefined, "second lock must be refused while held");
      check((await s.lock(randomKey("lock-other"), 5_000)) !== undefined, "other keys lock independently");
      await first.release();
      const again = await s.lock(key, 5_000);
      check(again !== undefined, "lock must be free after release");
      await again.release();
    },
  );

  test.it(
    "a lease lapses after leaseMs, and a stale holder cannot release the new holder's lock",
    async () => {
      const s = await getStore();
      if (typeof s.lock !== "function") return;
      const key = randomKey("lease");
      const stale = await s.lock(key, 150);
      check(stale !== undefined, "lock must be granted");
      await sleep(400);
      const fresh = await s.lock(key, 5_000);
      check(fresh !== undefined, "lock must be free once the lease lapsed");
      await stale.release();
      check((await s.lock(key, 5_000)) === undefined, "a stale release must not free the new holder's lock");
      await fresh.release();
    },
    10_000,
  );
}

/** fenced writes (see TokenLock): a holder that outlived its lease must not overwrite a newer holder's token. */
function fencedWriteTests({ test, raw, getStore }: Suite): void {
  test.it(
    "fencing: lock.set() writes while the lease is held, like set() (raw entry, TTL and copy included)",
    async () => {
      const s = await getStore();
      if (typeof s.lock !== "function") return;
      const key = randomKey("fenced");
      const lock = await s.lock(key, 5_000);
      check(lock !== undefined, "lock must be granted");
      check(
        typeof lock.set === "function" && typeof lock.extend === "function",
        "TokenLock must offer set() and extend()",
      );
      const token = sampleToken({ expires_at: Date.now() + 60_000 });
      check((await lock.set(token)) === true, "a fenced write while held must resolve to true");
      token.access_token = "mutated-after-fenced-set";
      const got = await s.get(key);
      check(
        got !== undefined && got.access_token !== "mutated-after-fenced-set",
        "the fenced write must land, as a copy",
      );
      check(
        (await lock.set(sampleToken({ access_token: "second" }))) === true,
        "a second fenced write while held lands too",
      );
      check((await s.get(key))?.access_token === "second", "the second fenced write must win");
      if (raw) {
        const stored = await raw.read(key);
        const text = typeof stored === "string" ? stored : new TextDecoder("utf-8", { fatal: false }).decode(stored);
        check(stored !== undefined, "the fenced write must reach the backend");
        if (!raw.plaintext) check(!text.includes("second"), "a fenced write must be encrypted like set()");
        if (raw.ttlMs) check(((await raw.ttlMs(key)) ?? 0) > 0, "a fenced write must set a TTL like set()");
      }
      await lock.release();
    },
  );
}

/** A fenced write from a lease that lapsed (taken over, expired or released) is refused and writes nothing. */
function staleFencedWriteTests({ test, getStore }: Suite): void {
  test.it(
    "fencing: after the lease lapsed and another holder took it, lock.set() is refused and writes nothing",
    async () => {
      const s = await getStore();
      if (typeof s.lock !== "function") return;
      const key = randomKey("fenced-lost");
      await s.set(key, sampleToken({ access_token: "before" }));
      const stale = await s.lock(key, 150);
      check(stale !== undefined, "lock must be granted");
      await sleep(400);
      const fresh = await s.lock(key, 5_000);
      check(fresh !== undefined, "lock must be free once the lease lapsed");
      check((await fresh.set(sampleToken({ access_token: "newer" }))) === true, "the new holder writes");
      check(
        (await stale.set(sampleToken({ access_token: "stale" }))) === false,
        "the stale holder's write must be refused",
      );
      check((await s.get(key))?.access_token === "newer", "the new holder's token must survive the stale write");
      await fresh.release();
    },
    10_000,
  );

  test.it(
    "fencing: lock.set() is refused once the lease lapsed even with no new holder, and after release",
    async () => {
      const s = await getStore();
      if (typeof s.lock !== "function") return;
      const key = randomKey("fenced-lapsed");
      const lapsed = await s.lock(key, 150);
      check(lapsed !== undefined, "lock must be granted");
      await sleep(400);
      check(
        (await lapsed.set(sampleToken({ access_token: "late" }))) === false,
        "a write after the lease lapsed must be refused",
      );
      check((await s.get(key)) === undefined, "nothing may land after the lease lapsed");
      const released = await s.lock(key, 5_000);
      check(released !== undefined, "lock must be free");
      await released.release();
      check(
        (await released.set(sampleToken({ access_token: "after-release" }))) === false,
        "a write after release must be refused",
      );
      check((await s.get(key)) === undefined, "nothing may land after release");
    },
    10_000,
  );
}

/** extend(): the holder keeps its lease past its first end; a lost lease cannot be revived. */
function leaseExtensionTests({ test, getStore }: Suite): void {
  test.it(
    "fencing: extend() keeps the lease past its first end; the holder still writes, others still wait",
    async () => {
      const s = await getStore();
      if (typeof s.lock !== "function") return;
      const key = randomKey("extend");
      const lock = await s.lock(key, 300);
      check(lock !== undefined, "lock must be granted");
      for (let i = 0; i < 4; i++) {
        await sleep(150);
        check((await lock.extend(300)) === true, `extend ${i} while held must resolve to true`);
      }
      // 600 ms after the lock was taken with a 300 ms lease: held only thanks to extend()
      check((await s.lock(key, 5_000)) === undefined, "an extended lease must still be held");
      check(
        (await lock.set(sampleToken({ access_token: "extended" }))) === true,
        "the holder of an extended lease writes",
      );
      check((await lock.extend(5_000)) === true, "extend to a longer lease");
      await sleep(400);
      check((await s.lock(key, 5_000)) === undefined, "the longer lease holds");
      await lock.release();
      const next = await s.lock(key, 5_000);
      check(next !== undefined, "release after extend must free the lease");
      await next.release();
    },
    10_000,
  );

  test.it(
    "fencing: extend() after the lease was lost resolves to false and leaves the new holder's lease alone",
    async () => {
      const s = await getStore();
      if (typeof s.lock !== "function") return;
      const key = randomKey("extend-lost");
      const stale = await s.lock(key, 150);
      check(stale !== undefined, "lock must be granted");
      await sleep(400);
      check((await stale.extend(5_000)) === false, "extend of a lapsed lease must resolve to false");
      const newHolder = await s.lock(key, 5_000);
      check(newHolder !== undefined, "a lapsed lease must not be revived by extend(): a new holder gets it");
      check((await stale.extend(60_000)) === false, "the stale holder cannot extend the new holder's lease");
      check((await stale.set(sampleToken({ access_token: "stale" }))) === false, "nor write under it");
      await stale.release();
      check((await s.lock(key, 5_000)) === undefined, "the new holder still holds");
      await newHolder.release();
    },
    10_000,
  );
}

/** Many holders: of a chain of lapsed leases only the current one writes; of concurrent lock() calls one wins. */
function manyHoldersTests({ test, getStore }: Suite): void {
  test.it(
    "fencing: of many holders over time only the current one writes (one lapsed lease after another)",
    async () => {
      const s = await getStore();
      if (typeof s.lock !== "function") return;
      const key = randomKey("fenced-chain");
      const holders = [];
      for (let i = 0; i < 3; i++) {
        const lock = await s.lock(key, 100);
        check(lock !== undefined, `holder ${i} must get the lapsed lease`);
        holders.push(lock);
        await sleep(250);
      }
      const current = await s.lock(key, 5_000);
      check(current !== undefined, "the last lease must be free once lapsed");
      const results = await Promise.all(holders.map((h, i) => h.set(sampleToken({ access_token: `stale-${i}` }))));
      check(
        results.every((r) => r === false),
        "every lapsed holder must be refused",
      );
      check((await current.set(sampleToken({ access_token: "current" }))) === true, "the current holder writes");
      check((await s.get(key))?.access_token === "current", "only the current holder's write lands");
      await current.release();
    },
    10_000,
  );

  test.it("only one of many concurrent lock() calls wins", async () => {
    const s = await getStore();
    if (typeof s.lock !== "function") return;
    const key = randomKey("lock-race");
    const results = await Promise.all(Array.from({ length: 16 }, () => s.lock!(key, 5_000)));
    const winners = results.filter((r) => r !== undefined);
    check(winners.length === 1, `exactly one winner expected, got ${winners.length}`);
    await winners[0]!.release();
  });
}

/** The TokenStoreError `promise` rejects with; a ContractFailure when it resolves or rejects with anything else. */
async function refusal(promise: Promise<unknown>, what: string): Promise<TokenStoreError> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    check(TokenStoreError.is(error), `${what} must reject with a TokenStoreError, not ${String(error)}`);
    return error;
  }
  throw new ContractFailure(`${what} must reject, but resolved to ${typeof outcome}`);
}

/** A refusal with `code`, naming `key` and `reason` and never the value (message, String, JSON, stack, cause). */
function checkRefusal(error: TokenStoreError, code: TokenStoreErrorCode, key: string, reason: string): void {
  check(error.code === code, `expected ${code}, got ${error.code}`);
  check(error.key?.endsWith(key) === true && error.message.includes(key), "the error must name the key");
  check(error.message.includes(reason), `the message must give the reason "${reason}": ${error.message}`);
  const views = [error.message, String(error), JSON.stringify(error), error.stack, String(error.cause)];
  check(!views.join("\n").includes(GENERATED_SECRET), "the error must never contain the value (a token)");
}

const runsOf = (options: ContractSuiteOptions) => options.generatedRuns ?? 100;
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/**
 * The one StoredToken rule (`storedTokenProblem`) on write, over generated values: every valid token
 * round-trips exactly, every malformed one is refused with `store_invalid_value` and writes nothing.
 */
function generatedValueTests({ test, options, getStore }: Suite): void {
  const runs = runsOf(options);
  test.it(
    `generated valid tokens (${runs}) round-trip exactly`,
    async () => {
      const s = await getStore();
      const key = randomKey("valid");
      await fc.assert(
        fc.asyncProperty(validToken, async (token) => {
          await s.set(key, token);
          sameJson(await s.get(key), token, "a valid token must read back as written");
        }),
        { numRuns: runs },
      );
    },
    60_000,
  );

  test.it(
    `set refuses generated malformed values (${runs}) with store_invalid_value, naming key and reason, writing nothing`,
    async () => {
      const s = await getStore();
      const key = randomKey("invalid");
      const kept = sampleToken();
      await s.set(key, kept);
      await fc.assert(
        fc.asyncProperty(malformedToken, async (value) => {
          const reason = storedTokenProblem(value);
          check(reason !== undefined, "the generator must make malformed values only");
          const error = await refusal(s.set(key, value as StoredToken), "set of a malformed value");
          checkRefusal(error, "store_invalid_value", key, reason);
        }),
        { numRuns: runs },
      );
      sameJson(await s.get(key), kept, "a refused set must leave the stored token as it was");
    },
    60_000,
  );

  test.it("a lock's fenced set() refuses malformed values like set(), even while the lease is held", async () => {
    const s = await getStore();
    if (typeof s.lock !== "function") return;
    const key = randomKey("invalid-fenced");
    const lock = await s.lock(key, 30_000);
    check(lock !== undefined, "lock must be granted");
    try {
      await fc.assert(
        fc.asyncProperty(malformedToken, async (value) => {
          const error = await refusal(lock.set(value as StoredToken), "a fenced set of a malformed value");
          checkRefusal(error, "store_invalid_value", key, storedTokenProblem(value) as string);
        }),
        { numRuns: Math.ceil(runs / 4) },
      );
      check((await s.get(key)) === undefined, "a refused fenced set must write nothing");
    } finally {
      await lock.release();
    }
  });
}

/**
 * Values in the store's own format but not StoredTokens (tampered, foreign, an older release): `get` is
 * `store_corrupt_value` naming key and reason, never a crash, never the value; valid ones still read back.
 */
function malformedReadTests(
  { test, options, getStore }: Suite,
  writeToken: (key: string, token: unknown) => Promise<void>,
): void {
  const runs = runsOf(options);
  test.it(
    `get of generated malformed values (${runs}) written behind the store is store_corrupt_value, naming key and reason`,
    async () => {
      const s = await getStore();
      const key = randomKey("corrupt");
      await fc.assert(
        fc.asyncProperty(malformedToken, async (value) => {
          // what lands is JSON: the reason is that of the value as JSON keeps it (NaN becomes null)
          const reason = storedTokenProblem(asJson(value));
          check(reason !== undefined, "the generator must make values that stay malformed as JSON");
          await writeToken(key, value);
          checkRefusal(await refusal(s.get(key), "get of a malformed value"), "store_corrupt_value", key, reason);
        }),
        { numRuns: runs },
      );
    },
    60_000,
  );

  test.it(
    `generated valid tokens (${runs}) written behind the store read back exactly`,
    async () => {
      const s = await getStore();
      const key = randomKey("foreign-valid");
      await fc.assert(
        fc.asyncProperty(validToken, async (token) => {
          await writeToken(key, token);
          sameJson(await s.get(key), token, "a valid token in the store's format must read back");
        }),
        { numRuns: runs },
      );
    },
    60_000,
  );
}
