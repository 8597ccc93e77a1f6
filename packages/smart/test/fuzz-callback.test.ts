/**
 * Fuzz (issue 9): the redirect URL that reaches the app's callback, and the launch URL of an EHR launch,
 * are attacker-controlled. SmartLaunch.handleCallback turns any input into a SmartClient only for a
 * known, unused state with a valid code, and otherwise a SmartAuthError, before any token request for
 * a bad state; ehrLaunch never starts discovery for an `iss` off the allow-list. FUZZ_RUNS sets the cases
 * per target (default 300; `pnpm fuzz`: 100,000).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DiscoveryError,
  SmartAuthError,
  SmartClient,
  SmartLaunch,
  type LaunchRecord,
  type LaunchStart,
  type LaunchStateStore,
} from "../src/index.js";
import { createFakeServer, type FakeServer } from "./support/fake-smart-server.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const testTimeout = Math.max(60_000, RUNS * 10);
const REDIRECT = "https://app.example.com/callback";
const tally = { clients: 0, refused: 0, tokenRequestsForBadState: 0 };
afterAll(() =>
  console.log(`fuzz handleCallback/ehrLaunch: ${tally.clients} sessions, ${tally.refused} refused with SmartAuthError`),
);

/**
 * `pnpm fuzz` leaves ~100,000 launches pending (damaged redirects never complete). The default store refuses
 * new starts when full (F18); this one drops the oldest instead, so memory stays small and every case runs.
 */
class ForgetfulStore implements LaunchStateStore {
  readonly #records = new Map<string, LaunchRecord>();
  async put(state: string, record: LaunchRecord): Promise<void> {
    if (this.#records.size >= 5_000) this.#records.delete(this.#records.keys().next().value!);
    this.#records.set(state, structuredClone(record));
  }
  async take(state: string): Promise<LaunchRecord | undefined> {
    const record = this.#records.get(state);
    this.#records.delete(state);
    return record;
  }
}

let server: FakeServer;
let launch: SmartLaunch;
beforeAll(async () => {
  server = await createFakeServer();
  launch = new SmartLaunch({
    clientId: "my-app",
    redirectUri: REDIRECT,
    scope: "patient/Observation.rs offline_access",
    trustedIssuers: [server.FHIR],
    fetch: server.fetch,
    allowUnboundState: true,
    stateStore: new ForgetfulStore(),
  });
});

const junk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", "%", "%zz", "a&b=c", "\u0000", "?state=", "#code=x"),
);
/** Ways to damage a good redirect. */
const mutation = fc.constantFrom(
  "none",
  "none",
  "none",
  "drop-state",
  "other-state",
  "replay",
  "drop-code",
  "junk-code",
  "error",
  "error+code",
  "foreign-iss",
  "duplicate-state",
  "fragment",
  "as-query-string",
  "as-params",
  "lowercase-state",
  "state-with-space",
);
const extraParams = fc.array(
  fc.tuple(fc.constantFrom("state", "code", "error", "error_description", "iss", "session_state", "x"), junk),
  { maxLength: 4 },
);

async function goodRedirect(): Promise<{ start: LaunchStart; redirect: URL }> {
  const start = await launch.standaloneLaunch({ fhirBaseUrl: server.FHIR });
  return { start, redirect: server.authorize(start) };
}

describe(`fuzz: redirect and launch URLs (${RUNS} cases per target)`, () => {
  it("handleCallback: a SmartClient only for a known, unused state with a valid code; otherwise SmartAuthError, and a bad state never reaches the token endpoint (checklist 2.3, E9, E12)", {
    timeout: testTimeout,
  }, async () => {
    const used: URL[] = [];
    await fc.assert(
      fc.asyncProperty(
        mutation,
        extraParams,
        fc.oneof(junk, fc.webUrl({ withQueryParameters: true, withFragments: true })),
        async (how, extra, garbage) => {
          const before = server.tokenRequests().length;
          let input: string | URL | URLSearchParams;
          let stateGood = false;
          let mayPass = false;
          if (how === "replay" && used.length > 0) {
            input = used[used.length - 1]!;
          } else if (garbage.length % 7 === 0) {
            input = garbage;
          } else {
            const { redirect } = await goodRedirect();
            const url = new URL(redirect);
            const state = url.searchParams.get("state")!;
            const code = url.searchParams.get("code")!;
            switch (how) {
              case "drop-state":
                url.searchParams.delete("state");
                break;
              case "other-state":
                url.searchParams.set("state", `${state.slice(0, -1)}${state.endsWith("A") ? "B" : "A"}`);
                break;
              case "lowercase-state":
                url.searchParams.set("state", state.toLowerCase());
                break;
              case "state-with-space":
                url.searchParams.set("state", ` ${state}`);
                break;
              case "drop-code":
                url.searchParams.delete("code");
                break;
              case "junk-code":
                url.searchParams.set("code", String(garbage));
                break;
              case "error":
                url.searchParams.delete("code");
                url.searchParams.set("error", "access_denied");
                break;
              case "error+code":
                url.searchParams.set("error", "server_error");
                break;
              case "foreign-iss":
                url.searchParams.set("iss", "https://evil.example/auth");
                break;
              case "duplicate-state":
                url.searchParams.append("state", "x".repeat(30));
                break;
              case "fragment":
                url.hash = `access_token=${garbage}`;
                break;
            }
            for (const [name, value] of extra) url.searchParams.append(name, value);
            // The first occurrence of a parameter counts (URLSearchParams.get).
            const p = url.searchParams;
            stateGood = p.get("state") === state;
            mayPass =
              stateGood &&
              p.get("code") === code &&
              p.get("error") === null &&
              (p.get("iss") === null || p.get("iss") === server.issuer);
            used.push(new URL(url));
            input = how === "as-query-string" ? url.search : how === "as-params" ? url.searchParams : url;
          }
          try {
            const client = await launch.handleCallback(input);
            tally.clients++;
            expect(client).toBeInstanceOf(SmartClient);
            expect(mayPass).toBe(true);
            expect(client.token?.access_token).toMatch(/^at-/);
          } catch (error) {
            tally.refused++;
            if (!SmartAuthError.is(error)) throw error;
            // a state that was never good must be refused before any token request
            if (!stateGood) expect(server.tokenRequests().length).toBe(before);
          }
        },
      ),
      { numRuns: RUNS, timeout: 5_000 },
    );
  });

  it("ehrLaunch: any iss/launch pair is a start (trusted iss only) or a SmartAuthError, with no request to an untrusted host (E15, checklist 2.18)", {
    timeout: testTimeout,
  }, async () => {
    const iss = fc.oneof(
      fc.constantFrom(
        server.FHIR,
        `${server.FHIR}/`,
        server.FHIR.toUpperCase(),
        `${server.FHIR}?x=1`,
        `${server.FHIR}#f`,
        `${server.FHIR}/../fhir`,
        `${server.FHIR}.evil.example`,
        `${server.FHIR.replace("https://", "https://user:pw@")}`,
        "https://evil.example/fhir",
        "http://ehr-1.example/fhir",
        "javascript:alert(1)",
        "",
      ),
      fc.webUrl(),
      junk,
    );
    await fc.assert(
      fc.asyncProperty(
        iss,
        fc.oneof(junk, fc.constant("launch-123")),
        fc.constantFrom("object", "url", "query"),
        async (issuer, launchId, form) => {
          const requestsBefore = server.requests.length;
          const input =
            form === "object"
              ? { iss: issuer, launch: launchId }
              : form === "url"
                ? `https://app.example.com/launch?${new URLSearchParams({ iss: issuer, launch: launchId })}`
                : `iss=${encodeURIComponent(issuer)}&launch=${encodeURIComponent(launchId)}`;
          try {
            const start = await launch.ehrLaunch(input);
            tally.clients++;
            expect(new URL(start.url).origin).toBe(new URL(server.AUTH).origin);
            expect(new URL(issuer).origin).toBe(new URL(server.FHIR).origin);
          } catch (error) {
            tally.refused++;
            // a trusted host with a query or fragment is refused by discovery itself
            if (!SmartAuthError.is(error) && !DiscoveryError.is(error)) throw error;
            // nothing was fetched for an iss that is not the trusted server
            if (!issuer.startsWith(server.FHIR))
              expect(server.requests.slice(requestsBefore).map((r) => r.url)).toEqual([]);
          }
        },
      ),
      { numRuns: RUNS, timeout: 5_000 },
    );
  });

  // Issue 15 §6: a callback that refuses everything must fail. Every well-formed redirect for a live state
  // (any form the app may pass, the server's own iss or none, extra parameters such as session_state) is a
  // SmartClient; every EHR launch from the trusted server (any spelling E6 allows, any launch id) starts.
  it("handleCallback accepts every well-formed redirect for a live state (counted)", {
    timeout: testTimeout,
  }, async () => {
    let accepted = 0;
    const extras = fc.array(
      fc.tuple(fc.constantFrom("session_state", "x", "scope", "utm_source"), fc.string({ maxLength: 20 })),
      { maxLength: 3 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("url", "href", "query", "params"),
        fc.boolean(),
        extras,
        async (form, withIss, extra) => {
          const { redirect } = await goodRedirect();
          if (withIss) redirect.searchParams.set("iss", server.issuer);
          for (const [name, value] of extra) redirect.searchParams.append(name, value);
          const input =
            form === "url"
              ? redirect
              : form === "href"
                ? redirect.href
                : form === "query"
                  ? redirect.search
                  : redirect.searchParams;
          const client = await launch.handleCallback(input);
          expect(client.token?.access_token).toMatch(/^at-/);
          accepted++;
        },
      ),
      { numRuns: RUNS, timeout: 5_000 },
    );
    expect(accepted).toBe(RUNS);
  });

  it("ehrLaunch starts for every spelling of the trusted iss and any launch id; aud is the iss byte for byte (counted)", {
    timeout: testTimeout,
  }, async () => {
    let started = 0;
    const host = new URL(server.FHIR).host;
    const spelling = fc.constantFrom(
      server.FHIR,
      `${server.FHIR}/`,
      server.FHIR.replace(host, host.toUpperCase()),
      server.FHIR.replace("https://", "HTTPS://"),
      server.FHIR.replace(host, `${host}:443`),
    );
    await fc.assert(
      fc.asyncProperty(
        spelling,
        fc.string({ minLength: 1, maxLength: 60 }),
        fc.constantFrom("object", "url", "query"),
        async (iss, launchId, form) => {
          const input =
            form === "object"
              ? { iss, launch: launchId }
              : form === "url"
                ? `https://app.example.com/launch?${new URLSearchParams({ iss, launch: launchId })}`
                : `iss=${encodeURIComponent(iss)}&launch=${encodeURIComponent(launchId)}`;
          const start = await launch.ehrLaunch(input);
          const params = start.method === "GET" ? new URL(start.url).searchParams : new URLSearchParams(start.form);
          expect(params.get("aud")).toBe(iss);
          expect(params.get("launch")).toBe(launchId);
          started++;
        },
      ),
      { numRuns: RUNS, timeout: 5_000 },
    );
    expect(started).toBe(RUNS);
  });
});
