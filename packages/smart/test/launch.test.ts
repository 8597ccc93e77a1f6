import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import {
  InMemoryLaunchStateStore,
  InMemoryTokenStore,
  normaliseBaseUrl,
  renderAuthorizeForm,
  SmartAuthError,
  SmartLaunch,
  type LaunchRecord,
  type LaunchStart,
  type SmartLaunchOptions,
} from "../src/index.js";
import { createFakeServer, type FakeServer } from "./support/fake-smart-server.js";
import { checkNoLeaksAfterAll, recordError } from "./support/provoked-errors.js";

let server: FakeServer;
beforeEach(async () => {
  server = await createFakeServer();
});

const launcher = (extra: Partial<SmartLaunchOptions> = {}) =>
  new SmartLaunch({
    clientId: "my-app",
    redirectUri: "https://app.example.com/callback",
    scope: "openid fhirUser patient/Observation.rs offline_access",
    trustedIssuers: [server.FHIR],
    fetch: server.fetch,
    allowUnboundState: true, // these tests are about other things; checklist 2.33 has its own below
    ...extra,
  });

const params = (start: LaunchStart) =>
  start.method === "GET" ? new URL(start.url).searchParams : new URLSearchParams(start.form);

describe("SmartLaunch: EHR and standalone launch (checklist 2.15-2.27, E12, E15)", () => {
  it("EHR launch: aud is iss byte for byte, launch echoed with the launch scope, nonce sent with openid (checklist 2.16, 2.17, E6)", async () => {
    const iss = `${server.FHIR}/`;
    const start = await launcher({ trustedIssuers: [server.FHIR] }).ehrLaunch(
      `https://app.example.com/launch?iss=${encodeURIComponent(iss)}&launch=xyz`,
    );
    const p = params(start);
    expect(p.get("aud")).toBe(iss);
    expect(p.get("launch")).toBe("xyz");
    expect(p.get("scope")!.split(" ")).toContain("launch");
    expect(p.get("nonce")).toMatch(/^[\w-]{43}$/);
    expect(p.get("state")).toBe(start.state);
    expect(p.get("code_challenge_method")).toBe("S256");
  });

  it("an iss off the allow-list is refused before any request is made (E15, checklist 2.18)", async () => {
    const launch = launcher();
    for (const iss of ["https://evil.example/fhir", `${server.FHIR}x`, "not a url", "javascript:alert(1)"]) {
      const error = await launch.ehrLaunch({ iss, launch: "x" }).catch((e) => recordError(e));
      expect(error).toMatchObject({ code: "untrusted_issuer" });
    }
    expect(await launch.ehrLaunch({ iss: server.FHIR, launch: "" }).catch((e) => recordError(e))).toMatchObject({
      code: "invalid_callback",
    });
    expect(server.requests).toHaveLength(0);
    const predicate = launcher({ trustedIssuers: (iss) => iss.startsWith("https://ehr-") });
    await predicate.ehrLaunch({ iss: server.FHIR, launch: "x" });
    expect(server.requests).toHaveLength(1);
  });

  it("the allow-list compares normalised bases: case, default port and trailing slash (E6)", async () => {
    const upper = server.FHIR.replace("https://", "HTTPS://").replace(".example", ".EXAMPLE:443");
    const start = await launcher().ehrLaunch({ iss: upper, launch: "x" });
    expect(params(start).get("aud")).toBe(upper);
    fc.assert(
      fc.property(fc.webUrl(), (url) => {
        const n = normaliseBaseUrl(url);
        expect(
          n === undefined ||
            normaliseBaseUrl(`${url.replace(/[?#].*$/, "")}/`) === normaliseBaseUrl(url.replace(/[?#].*$/, "")),
        ).toBe(true);
      }),
    );
  });

  it("standalone launch: no launch parameter; another FHIR server must be trusted (checklist 2.19)", async () => {
    const start = await launcher({ fhirBaseUrl: server.FHIR, trustedIssuers: [] }).standaloneLaunch();
    expect(params(start).has("launch")).toBe(false);
    expect(params(start).get("aud")).toBe(server.FHIR);
    const other = await launcher({ fhirBaseUrl: server.FHIR, trustedIssuers: [] })
      .standaloneLaunch({ fhirBaseUrl: "https://evil.example/fhir" })
      .catch((e) => recordError(e));
    expect(other).toMatchObject({ code: "untrusted_issuer" });
    await expect(launcher().standaloneLaunch()).rejects.toThrow(TypeError);
  });

  it("callback: exchanges the code, verifies the id_token and returns a ready SmartClient", async () => {
    const launch = launcher();
    const start = await launch.ehrLaunch({ iss: server.FHIR, launch: "l1" });
    const smart = await launch.handleCallback(server.authorize(start.url, { patient: "p-9" }));
    expect(smart.patientId).toBe("p-9");
    expect(smart.fhirUser).toBe(`${server.FHIR}/Practitioner/practitioner-1`);
    expect(smart.idTokenClaims?.nonce).toBe(params(start).get("nonce"));
    expect(await smart.getAuthorization({ url: `${server.FHIR}/Patient/p-9`, method: "GET" })).toMatch(/^Bearer /);
  });

  it("a refreshed id_token may repeat the login nonce, and only that one (OIDC Core 12.2)", async () => {
    const launch = launcher();
    const start = await launch.ehrLaunch({ iss: server.FHIR, launch: "l1" });
    const smart = await launch.handleCallback(server.authorize(start.url));
    const nonce = smart.idTokenClaims!.nonce!;
    const respond = (idToken: string) => () =>
      new Response(
        JSON.stringify({
          access_token: `at-${Math.random()}`,
          token_type: "Bearer",
          expires_in: 300,
          id_token: idToken,
        }),
        { headers: { "content-type": "application/json" } },
      );
    const same = await server.idToken("my-app", nonce);
    server.next.push(respond(same));
    await smart.refresh();
    expect(smart.token!.id_token).toBe(same);
    server.next.push(respond(await server.idToken("my-app", "some-other-nonce")));
    await smart.refresh();
    expect(smart.token!.id_token).toBe(same);
    expect(smart.fhirUser).toContain("Practitioner/practitioner-1");
  });

  it("parallel launches keep their own records: each completes with its own context (E12)", async () => {
    const launch = launcher();
    const starts = await Promise.all(
      ["a", "b", "c", "d"].map((id) => launch.ehrLaunch({ iss: server.FHIR, launch: id })),
    );
    expect(new Set(starts.map((s) => s.state)).size).toBe(4);
    const redirects = starts.map((s, i) => server.authorize(s.url, { patient: `patient-${i}` }));
    const clients = await Promise.all(redirects.reverse().map((r) => launch.handleCallback(r)));
    expect(clients.map((c) => c.patientId)).toEqual(["patient-3", "patient-2", "patient-1", "patient-0"]);
  });

  it("state missing, unknown or replayed is invalid_state, checked before code or error (checklist 2.3, E9, E12)", async () => {
    const launch = launcher();
    const start = await launch.ehrLaunch({ iss: server.FHIR, launch: "l" });
    const redirect = server.authorize(start.url);
    const noState = new URL(redirect);
    noState.searchParams.delete("state");
    expect(await launch.handleCallback(noState).catch((e) => recordError(e))).toMatchObject({ code: "invalid_state" });
    const wrong = new URL(redirect);
    wrong.searchParams.set("state", "forged-state-value-0123456789");
    wrong.searchParams.set("error", "access_denied");
    expect(await launch.handleCallback(wrong).catch((e) => recordError(e))).toMatchObject({ code: "invalid_state" });
    await launch.handleCallback(redirect);
    expect(await launch.handleCallback(redirect).catch((e) => recordError(e))).toMatchObject({ code: "invalid_state" });
    expect(server.tokenRequests()).toHaveLength(1);
  });

  it("an expired state is refused; records are bounded", async () => {
    let now = Date.now();
    const store = new InMemoryLaunchStateStore({ now: () => now, maxEntries: 2 });
    const launch = launcher({ stateStore: store, now: () => now, stateTtlMs: 1000 });
    const start = await launch.ehrLaunch({ iss: server.FHIR, launch: "l" });
    now += 1001;
    expect(await launch.handleCallback(server.authorize(start.url)).catch((e) => recordError(e))).toMatchObject({
      code: "invalid_state",
    });
    for (let i = 0; i < 2; i++) await launch.ehrLaunch({ iss: server.FHIR, launch: `l${i}` });
    // full: the next start is refused, the waiting ones stay (F18)
    expect(await launch.ehrLaunch({ iss: server.FHIR, launch: "l2" }).catch((e) => recordError(e))).toMatchObject({
      code: "launch_limit",
      retryable: true,
    });
    expect(store.size).toBe(2);
  });

  it("InMemoryLaunchStateStore drops expired records from the front on put; an expired record is never taken", async () => {
    let now = 0;
    const store = new InMemoryLaunchStateStore({ now: () => now });
    const record: LaunchRecord = {
      state: "s",
      codeVerifier: "v",
      redirectUri: "https://app.example.com/callback",
      fhirBaseUrl: server.FHIR,
      smartConfig: server.config,
      clientId: "app",
      scope: "openid",
      createdAt: 0,
    };
    for (let i = 0; i < 5; i++) await store.put(`s${i}`, record, 1_000);
    now = 1_000;
    await store.put("fresh", record, 1_000);
    expect(store.size).toBe(1); // the five expired ones were at the front
    await store.put("long", record, 60_000);
    await store.put("short", record, 10);
    now = 2_500;
    await store.put("late", record, 1_000);
    expect(store.size).toBe(3); // "fresh" went; "long" is still valid, so "short" waits behind it
    expect(await store.take("short")).toBeUndefined(); // expired: refused all the same
    expect(await store.take("long")).toEqual(record);
  });

  it("the state is bound to the session it was started in (checklist 2.33)", async () => {
    const launch = launcher();
    const start = await launch.ehrLaunch({ iss: server.FHIR, launch: "l" }, { session: "session-A" });
    expect(
      await launch.handleCallback(server.authorize(start.url), { session: "session-B" }).catch((e) => recordError(e)),
    ).toMatchObject({ code: "invalid_state" });
    const again = await launch.ehrLaunch({ iss: server.FHIR, launch: "l" }, { session: "session-A" });
    expect(
      (await launch.handleCallback(server.authorize(again.url), { session: "session-A" })).patientId,
    ).toBeUndefined();
  });

  it("error redirects become authorization_denied with the RFC 6749 fields; neither code nor error is invalid_callback (E9, checklist 2.34)", async () => {
    const launch = launcher();
    const start = await launch.standaloneLaunch({ fhirBaseUrl: server.FHIR });
    const denied = `https://app.example.com/callback?error=access_denied&error_description=User+said+no&error_uri=https%3A%2F%2Fehr%2Ferr&state=${start.state}`;
    const error = await launch.handleCallback(denied).catch((e) => recordError(e));
    expect(error).toBeInstanceOf(SmartAuthError);
    expect(error).toMatchObject({
      code: "authorization_denied",
      error: "access_denied",
      errorDescription: "User said no",
      errorUri: "https://ehr/err",
    });
    const empty = await launch.standaloneLaunch({ fhirBaseUrl: server.FHIR });
    expect(await launch.handleCallback(`?state=${empty.state}`).catch((e) => recordError(e))).toMatchObject({
      code: "invalid_callback",
    });
    const mixup = await launch.standaloneLaunch({ fhirBaseUrl: server.FHIR });
    const redirect = server.authorize(mixup.url);
    redirect.searchParams.set("iss", "https://other-as.example");
    expect(await launch.handleCallback(redirect).catch((e) => recordError(e))).toMatchObject({
      code: "invalid_callback",
    });
  });

  it("a redirect that repeats state, code, error or iss is invalid_callback, and the launch can still complete (RFC 6749 §3.1, SECURITY.md F9)", async () => {
    const launch = launcher();
    const start = await launch.standaloneLaunch({ fhirBaseUrl: server.FHIR });
    const redirect = server.authorize(start.url);
    for (const name of ["state", "code", "error", "iss"]) {
      const twice = new URL(redirect);
      while (twice.searchParams.getAll(name).length < 2)
        twice.searchParams.append(name, name === "state" ? "forged-state-value-0123456789" : "x");
      expect(await launch.handleCallback(twice).catch((e) => recordError(e))).toMatchObject({
        code: "invalid_callback",
      });
    }
    expect(server.tokenRequests()).toHaveLength(0);
    expect((await launch.handleCallback(redirect)).token?.access_token).toBeTypeOf("string");
  });

  it("a wrong nonce in the id_token fails the callback (checklist 7.1)", async () => {
    const launch = launcher();
    const start = await launch.ehrLaunch({ iss: server.FHIR, launch: "l" });
    const url = new URL(start.url);
    url.searchParams.set("nonce", "tampered-nonce");
    expect(await launch.handleCallback(server.authorize(url.href)).catch((e) => recordError(e))).toMatchObject({
      code: "invalid_id_token",
    });
  });

  it("long requests go by POST when authorize-post is listed, and the form page completes the flow (checklist 2.30, 2.31)", async () => {
    const long = Array.from(
      { length: 120 },
      (_, i) => `patient/Observation.rs?code=http://loinc.org|${1000 + i}-1`,
    ).join(" ");
    const launch = launcher({ scope: `openid ${long}` });
    const start = await launch.ehrLaunch({ iss: server.FHIR, launch: "l" });
    expect(start.method).toBe("POST");
    expect(renderAuthorizeForm(start)).toContain('method="post"');
    const smart = await launch.handleCallback(server.authorize(start));
    expect(smart.scopes.allows("read", "Observation", "patient")).toBe(true);
  });

  it("with a tokenStore the session is stored under storeKey (the option's function, or per callback)", async () => {
    const tokenStore = new InMemoryTokenStore();
    const perCallback = launcher({ tokenStore });
    const first = await perCallback.ehrLaunch({ iss: server.FHIR, launch: "L6" });
    const redirect = server.authorize(first.url);
    // a key is needed somewhere: the misuse is refused before the state is spent
    await expect(perCallback.handleCallback(redirect)).rejects.toBeInstanceOf(TypeError);
    const own = await perCallback.handleCallback(redirect, { storeKey: "smart:session-6" });
    await own.getToken();
    expect((await tokenStore.get("smart:session-6"))?.access_token).toBe(own.token?.access_token);
    const launch = launcher({ tokenStore, storeKey: ({ record }) => `smart:${record.clientId}:${record.launch}` });
    const start = await launch.ehrLaunch({ iss: server.FHIR, launch: "L7" });
    const smart = await launch.handleCallback(server.authorize(start.url));
    await smart.getToken();
    expect((await tokenStore.get("smart:my-app:L7"))?.access_token).toBe(smart.token?.access_token);
  });

  it("property: arbitrary redirect queries never pass without a known state", async () => {
    const launch = launcher();
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom("state", "code", "error", "iss", "x"), fc.string()),
        async (query) => {
          const error = await launch.handleCallback(new URLSearchParams(query)).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(SmartAuthError.is(error) && error.code === "invalid_state").toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});

checkNoLeaksAfterAll();
