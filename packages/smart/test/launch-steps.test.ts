// startLaunch and completeLaunch: SmartLaunch's two halves as functions, so a launch page and a redirect page
// each bundle only the half they run (issue 20, size). Same checks, same errors, same records as SmartLaunch.
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import {
  completeLaunch,
  InMemoryLaunchStateStore,
  SmartLaunch,
  startLaunch,
  type LaunchStart,
  type LaunchStepOptions,
  type SmartLaunchOptions,
} from "../src/index.js";
import { createFakeServer, type FakeServer } from "./support/fake-smart-server.js";
import { checkNoLeaksAfterAll, recordError } from "./support/provoked-errors.js";

let server: FakeServer;
beforeEach(async () => {
  server = await createFakeServer();
});

const options = (extra: Partial<SmartLaunchOptions> = {}): LaunchStepOptions => ({
  clientId: "my-app",
  redirectUri: "https://app.example.com/callback",
  scope: "openid fhirUser patient/Observation.rs offline_access",
  trustedIssuers: [server.FHIR],
  fetch: server.fetch,
  stateStore: new InMemoryLaunchStateStore(),
  ...extra,
});

const params = (start: LaunchStart) =>
  start.method === "GET" ? new URL(start.url).searchParams : new URLSearchParams(start.form);

const message = async (run: () => unknown): Promise<string> => {
  try {
    await run();
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  return "no error";
};

describe("startLaunch / completeLaunch: SmartLaunch's halves as functions (checklist 2.15-2.27, E12, E15)", () => {
  it("a launch started on one page completes on another: only the options and the state store are shared", async () => {
    const launchPage = options();
    const start = await startLaunch(launchPage, { ehrLaunch: { iss: server.FHIR, launch: "l1" }, session: "tab-1" });
    expect(params(start).get("aud")).toBe(server.FHIR);
    expect(params(start).get("launch")).toBe("l1");
    expect(params(start).get("code_challenge_method")).toBe("S256");
    const appPage = { ...options(), stateStore: launchPage.stateStore };
    const client = await completeLaunch(appPage, server.authorize(start.url, { patient: "p-7" }), {
      session: "tab-1",
    });
    expect(client.patientId).toBe("p-7");
    expect(client.idTokenClaims?.nonce).toBe(params(start).get("nonce"));
    // single use (checklist 2.3, E12): the same redirect again is refused
    expect(
      await completeLaunch(appPage, server.authorize(start.url), { session: "tab-1" }).catch((e) => recordError(e)),
    ).toMatchObject({ code: "invalid_state" });
  });

  it("standalone launch from fhirBaseUrl (checklist 2.19), the EHR launch URL as a string, an iss off the allow-list (E15)", async () => {
    const standalone = await startLaunch(options({ fhirBaseUrl: server.FHIR, trustedIssuers: [] }), {
      session: "s",
    });
    expect(params(standalone).has("launch")).toBe(false);
    const url = `https://app.example.com/launch?iss=${encodeURIComponent(server.FHIR)}&launch=xyz`;
    expect(params(await startLaunch(options(), { ehrLaunch: url, session: "s" })).get("launch")).toBe("xyz");
    const requests = server.requests.length;
    const refused = await startLaunch(options(), {
      ehrLaunch: { iss: "https://evil.example/fhir", launch: "x" },
      session: "s",
    }).catch((e) => recordError(e));
    expect(refused).toMatchObject({ code: "untrusted_issuer" });
    expect(server.requests).toHaveLength(requests);
  });

  it("checklist 2.33: a state is bound to its session unless allowUnboundState, as with SmartLaunch", async () => {
    await expect(startLaunch(options(), { ehrLaunch: { iss: server.FHIR, launch: "l" } })).rejects.toThrow(
      /session \(the browser session the launch belongs to\)/,
    );
    const o = options();
    const start = await startLaunch(o, { ehrLaunch: { iss: server.FHIR, launch: "l" }, session: "A" });
    expect(
      await completeLaunch(o, server.authorize(start.url), { session: "B" }).catch((e) => recordError(e)),
    ).toMatchObject({ code: "invalid_state" });
  });

  it("without a stateStore each is a TypeError naming the function (a default store per call would lose the record)", async () => {
    const { stateStore: _, ...noStore } = options();
    await expect(startLaunch(noStore as LaunchStepOptions, { session: "s" })).rejects.toThrow(
      /^startLaunch needs stateStore/,
    );
    await expect(completeLaunch(noStore as LaunchStepOptions, "?state=x&code=y")).rejects.toThrow(
      /^completeLaunch needs stateStore/,
    );
  });

  it("refuse every bad option SmartLaunch refuses, with the same error, before any request", async () => {
    const bad = fc.record(
      {
        clientId: fc.constantFrom("", 7, undefined),
        redirectUri: fc.constantFrom("not a url", "", "/relative"),
        scope: fc.constantFrom("", "   ", 'a"b', "a\\b", undefined),
        fhirBaseUrl: fc.constantFrom("not a url", "x:"),
        leaseMs: fc.constantFrom(1, -5, Number.NaN, 0),
        timeoutMs: fc.constantFrom(-1, 0, Number.POSITIVE_INFINITY),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(bad, async (extra) => {
        const o = options(extra as Partial<SmartLaunchOptions>);
        const expected = await message(() => new SmartLaunch(o));
        fc.pre(expected !== "no error");
        expect(
          await message(() => startLaunch(o, { ehrLaunch: { iss: server.FHIR, launch: "l" }, session: "s" })),
        ).toBe(expected);
        expect(await message(() => startLaunch(o, { session: "s" }))).toBe(expected);
        expect(await message(() => completeLaunch(o, "?state=some-state-value&code=c", { session: "s" }))).toBe(
          expected,
        );
      }),
      { numRuns: 200 },
    );
    expect(server.requests).toHaveLength(0);
  });
});

checkNoLeaksAfterAll();
