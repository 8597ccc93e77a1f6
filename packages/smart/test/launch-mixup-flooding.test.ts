import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  InMemoryLaunchStateStore,
  SmartAuthError,
  SmartLaunch,
  type LaunchRecord,
  type LaunchStateStore,
  type SmartLaunchOptions,
} from "../src/index.js";
import { createFakeServer, type FakeServer } from "./support/fake-smart-server.js";
import { checkNoLeaksAfterAll, recordError } from "./support/provoked-errors.js";

const REDIRECT = "https://app.example.com/callback";
const SCOPE = "patient/Observation.rs offline_access"; // no openid: the id_token has its own issuer check (checklist 7.x)

const launcherFor = (servers: FakeServer[], extra: Partial<SmartLaunchOptions> = {}) => {
  const byHost = new Map(servers.map((s) => [new URL(s.FHIR).host, s]));
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) =>
    byHost.get(new URL(new Request(input).url).host)!.fetch(input, init)) as typeof globalThis.fetch;
  return new SmartLaunch({
    clientId: "my-app",
    redirectUri: REDIRECT,
    scope: SCOPE,
    trustedIssuers: servers.map((s) => s.FHIR),
    fetch,
    ...extra,
  });
};

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => recordError(e),
  );

describe("RFC 9207 mix-up defence: the redirect's iss against the issuer the state went to (SECURITY.md F17)", () => {
  it("a hostile allow-listed server that leaves issuer out of its configuration cannot receive the honest server's code and verifier", async () => {
    const [honest, hostile] = await Promise.all([createFakeServer(), createFakeServer()]);
    delete hostile.config.issuer;
    hostile.config.capabilities = hostile.config.capabilities.filter((c) => c !== "sso-openid-connect"); // discovery needs issuer with it
    const app = launcherFor([honest, hostile]);
    // the user starts at the hostile server, which sends the browser on to the honest one; the honest one answers with its iss
    const start = await app.standaloneLaunch({ fhirBaseUrl: hostile.FHIR, session: "browser-1" });
    const redirect = honest.authorize({ url: start.url.replace(hostile.AUTH, honest.AUTH) });
    redirect.searchParams.set("iss", honest.issuer);
    const error = await rejection(app.handleCallback(redirect, { session: "browser-1" }));
    expect(error).toBeInstanceOf(SmartAuthError);
    expect(error).toMatchObject({ code: "invalid_callback" });
    expect([...honest.tokenRequests(), ...hostile.tokenRequests()]).toEqual([]);
  });

  // The class: issuer absent / empty / another / its own, the iss-parameter flag in any form, and any iss in the redirect.
  it("property: refused exactly when RFC 9207 says so, with invalid_callback and no code exchange; accepted otherwise", async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<"absent" | "empty" | "own" | "other">("absent", "empty", "own", "other"),
        fc.constantFrom<unknown>(undefined, true, false, "true", 1),
        fc.constantFrom<"absent" | "own" | "honest" | "random">("absent", "own", "honest", "random"),
        fc.webUrl(),
        async (issuerKind, flag, issKind, random) => {
          const [honest, server] = await Promise.all([createFakeServer(), createFakeServer()]);
          const config = server.config as Record<string, unknown>;
          server.config.capabilities = server.config.capabilities.filter((c) => c !== "sso-openid-connect"); // discovery needs issuer with it
          if (issuerKind === "absent") delete config.issuer;
          else config.issuer = { empty: "", own: server.AUTH, other: "https://other-as.example" }[issuerKind];
          if (flag === undefined) delete config.authorization_response_iss_parameter_supported;
          else config.authorization_response_iss_parameter_supported = flag;
          const app = launcherFor([honest, server]);
          const start = await app.standaloneLaunch({ fhirBaseUrl: server.FHIR, session: "s" });
          const redirect = server.authorize(start.url);
          const iss = { absent: null, own: server.AUTH, honest: honest.issuer, random }[issKind];
          if (iss !== null) redirect.searchParams.set("iss", iss);
          const known = typeof config.issuer === "string" && config.issuer !== "" ? config.issuer : undefined;
          const ok = iss === null ? flag !== true : known !== undefined && iss === known;
          const result = await app.handleCallback(redirect, { session: "s" }).then(
            () => "accepted",
            (e: unknown) => recordError(e),
          );
          if (ok) {
            expect(result).toBe("accepted");
            expect(server.tokenRequests()).toHaveLength(1);
            accepted++;
          } else {
            expect(result).toBeInstanceOf(SmartAuthError);
            expect(result).toMatchObject({ code: "invalid_callback" });
            expect([...server.tokenRequests(), ...honest.tokenRequests()]).toEqual([]);
            refused++;
          }
        },
      ),
      { numRuns: 120 },
    );
    // both branches ran, many times: the property is not vacuous
    expect(accepted).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });
});

describe("launch-state flooding: pending launches of other sessions are never evicted (SECURITY.md F18)", () => {
  it("10,000 unauthenticated launch starts against the default store: every real pending launch still completes; the flood gets launch_limit", async () => {
    const server = await createFakeServer();
    const app = launcherFor([server]);
    const real = await Promise.all(
      [1, 2, 3].map((i) => app.standaloneLaunch({ fhirBaseUrl: server.FHIR, session: `user-${i}` })),
    );
    let refusedFlood = 0;
    for (let i = 0; i < 10_000; i++) {
      // a cookie-less flooder: a new session for every start
      const error = await rejection(app.standaloneLaunch({ fhirBaseUrl: server.FHIR, session: `flood-${i}` }));
      if (error !== undefined) {
        expect(error).toMatchObject({ code: "launch_limit", retryable: true });
        refusedFlood++;
      }
    }
    expect(refusedFlood).toBe(3); // 10,000 places: the three real launches kept theirs
    for (const [i, start] of real.entries()) {
      const client = await app.handleCallback(server.authorize(start.url), { session: `user-${i + 1}` });
      expect(client.token?.access_token).toBeTypeOf("string");
    }
  }, 120_000);

  it("one session is bounded: its 17th pending launch is refused with launch_limit; other sessions start and finish as usual", async () => {
    const server = await createFakeServer();
    const store = new InMemoryLaunchStateStore();
    const app = launcherFor([server], { stateStore: store });
    const victim = await app.standaloneLaunch({ fhirBaseUrl: server.FHIR, session: "victim" });
    for (let i = 0; i < 16; i++) await app.standaloneLaunch({ fhirBaseUrl: server.FHIR, session: "flooder" });
    const error = await rejection(app.standaloneLaunch({ fhirBaseUrl: server.FHIR, session: "flooder" }));
    expect(error).toBeInstanceOf(SmartAuthError);
    expect(error).toMatchObject({ code: "launch_limit", retryable: false });
    expect(store.size).toBe(17);
    const other = await app.standaloneLaunch({ fhirBaseUrl: server.FHIR, session: "other" });
    for (const [start, session] of [
      [victim, "victim"],
      [other, "other"],
    ] as const) {
      await app.handleCallback(server.authorize(start.url), { session });
    }
    expect(store.sessions).toBe(1); // only the flooder's wait
  });

  // A model of the store: any interleaving of starts, callbacks and time never loses a live record it did not hand out.
  it("property: no live record is ever lost, per-session and total bounds hold, refusals are launch_limit (model-based)", async () => {
    const record = (state: string, session: string): LaunchRecord => ({
      state,
      session,
      codeVerifier: "v",
      redirectUri: REDIRECT,
      fhirBaseUrl: "https://ehr.example/fhir",
      smartConfig: {
        capabilities: [],
        authorization_endpoint: "https://ehr.example/a",
        token_endpoint: "https://ehr.example/t",
        grant_types_supported: ["authorization_code"],
        code_challenge_methods_supported: ["S256"],
      },
      clientId: "app",
      scope: "openid",
      createdAt: 0,
    });
    const op = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({ kind: fc.constant("put" as const), session: fc.integer({ min: 0, max: 4 }) }),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("take" as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 300 }) }) },
    );
    let refusals = 0;
    let takes = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 30, maxLength: 80 }), async (ops) => {
        let now = 0;
        const store = new InMemoryLaunchStateStore({ now: () => now, maxEntries: 12, maxPerSession: 4 });
        const live = new Map<string, { session: string; until: number }>();
        let n = 0;
        for (const o of ops) {
          for (const [state, r] of live) if (r.until <= now) live.delete(state);
          if (o.kind === "tick") now += o.ms;
          else if (o.kind === "put") {
            const state = `st-${n++}`;
            const session = `sess-${o.session}`;
            const mine = [...live.values()].filter((r) => r.session === session).length;
            const error = await store.put(state, record(state, session), 1_000).then(
              () => undefined,
              (e: unknown) => e,
            );
            if (mine >= 4 || live.size >= 12) {
              expect(error).toMatchObject({ code: "launch_limit" });
              refusals++;
            } else {
              expect(error).toBeUndefined();
              live.set(state, { session, until: now + 1_000 });
            }
          } else {
            const states = [...live.keys()];
            if (states.length === 0) continue;
            const state = states[o.pick % states.length]!;
            expect((await store.take(state))?.state).toBe(state);
            live.delete(state);
            takes++;
          }
          expect(store.size).toBeLessThanOrEqual(12);
        }
        for (const [state, r] of live) if (r.until <= now) live.delete(state);
        for (const state of live.keys()) expect((await store.take(state))?.state).toBe(state);
      }),
      { numRuns: 200 },
    );
    expect(refusals).toBeGreaterThan(50);
    expect(takes).toBeGreaterThan(50);
  });

  it("misuse: bounds that are not positive integers are a TypeError at construction", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => new InMemoryLaunchStateStore({ maxEntries: bad })).toThrow(TypeError);
      expect(() => new InMemoryLaunchStateStore({ maxPerSession: bad })).toThrow(TypeError);
    }
  });
});

describe("the state is bound to the browser session by default (checklist 2.33, E12)", () => {
  it("a start without a session is misuse (TypeError) before any request, unless the app opted out with allowUnboundState", async () => {
    const server = await createFakeServer();
    const app = launcherFor([server]);
    await expect(app.standaloneLaunch({ fhirBaseUrl: server.FHIR })).rejects.toThrow(TypeError);
    await expect(app.ehrLaunch({ iss: server.FHIR, launch: "l" })).rejects.toThrow(TypeError);
    await expect(app.standaloneLaunch({ fhirBaseUrl: server.FHIR, session: "" })).rejects.toThrow(TypeError);
    // the allow-list is still checked first: an untrusted iss says so, session or not (E15)
    expect(await rejection(app.ehrLaunch({ iss: "https://evil.example/fhir", launch: "l" }))).toMatchObject({
      code: "untrusted_issuer",
    });
    expect(server.requests).toEqual([]);
    const unbound = launcherFor([server], { allowUnboundState: true });
    const start = await unbound.standaloneLaunch({ fhirBaseUrl: server.FHIR });
    expect((await unbound.handleCallback(server.authorize(start.url))).token?.access_token).toBeTypeOf("string");
  });

  it("property: a bound state completes only with its own session; no session, another, a prefix or a longer one is invalid_state without a code exchange", async () => {
    const server = await createFakeServer();
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.oneof(fc.constant(undefined), fc.string({ maxLength: 40 })),
        fc.boolean(),
        async (session, presented, optedOut) => {
          const app = launcherFor([server], { allowUnboundState: optedOut });
          const start = await app.standaloneLaunch({ fhirBaseUrl: server.FHIR, session });
          const before = server.tokenRequests().length;
          const tries = [presented, session.slice(0, -1) || undefined, `${session}x`];
          for (const wrong of tries) {
            if (wrong === session) continue;
            const redirect = server.authorize(start.url);
            // fresh launch per try: a refused try burns its state (E12)
            const again = await app.standaloneLaunch({ fhirBaseUrl: server.FHIR, session });
            redirect.searchParams.set("state", again.state);
            const error = await rejection(app.handleCallback(redirect, wrong === undefined ? {} : { session: wrong }));
            expect(error).toMatchObject({ code: "invalid_state" });
            refused++;
          }
          expect(server.tokenRequests()).toHaveLength(before);
          expect((await app.handleCallback(server.authorize(start.url), { session })).token?.access_token).toBeTypeOf(
            "string",
          );
        },
      ),
      { numRuns: 40 },
    );
    expect(refused).toBeGreaterThan(80);
  });

  it("an unbound record is refused unless the app opted out, and an opted-out app still refuses a session on an unbound state", async () => {
    const server = await createFakeServer();
    const inner = new InMemoryLaunchStateStore();
    // a store that lost the session field (an older record format, a buggy custom store)
    const forgetful: LaunchStateStore = {
      put: (state, record, ttl) => inner.put(state, { ...record, session: undefined }, ttl),
      take: (state) => inner.take(state),
    };
    const strict = launcherFor([server], { stateStore: forgetful });
    const start = await strict.standaloneLaunch({ fhirBaseUrl: server.FHIR, session: "s" });
    expect(await rejection(strict.handleCallback(server.authorize(start.url)))).toMatchObject({
      code: "invalid_state",
    });
    const lax = launcherFor([server], { allowUnboundState: true });
    const unbound = await lax.standaloneLaunch({ fhirBaseUrl: server.FHIR });
    expect(await rejection(lax.handleCallback(server.authorize(unbound.url), { session: "s" }))).toMatchObject({
      code: "invalid_state",
    });
    expect(server.tokenRequests()).toEqual([]);
  });
});

checkNoLeaksAfterAll();
