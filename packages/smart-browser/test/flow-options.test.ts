// authorize() and ready() run SmartLaunch's halves as functions (startLaunch, completeLaunch), so each page bundles
// only what it runs (issue 20, size); they must still refuse every option SmartLaunch refuses, with its error.
import { SmartLaunch, type SmartLaunchOptions } from "@fhir-dsl/smart";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { authorize, ready, type BrowserAppOptions } from "../src/index.js";
import { FakeWindow, MemoryStorage } from "./fakes.js";

const APP = "https://app.example.com/app/";
const FHIR = "https://ehr.example.com/fhir";

const message = async (run: () => unknown): Promise<string> => {
  try {
    await run();
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  return "no error";
};

describe("authorize() and ready(): SmartLaunch's option checks on both pages", () => {
  it("a bad option is refused with SmartLaunch's error, before any request, navigation or launch record", async () => {
    const bad = fc.record(
      {
        redirectUri: fc.constantFrom("not a url", "/relative"),
        fhirBaseUrl: fc.constantFrom("not a url", "x:"),
        leaseMs: fc.constantFrom(1, -5, Number.NaN, 0),
        timeoutMs: fc.constantFrom(-1, 0, Number.POSITIVE_INFINITY),
        scope: fc.constantFrom("   ", 'a"b', "a\\b"),
      },
      { requiredKeys: [] },
    );
    const requests: string[] = [];
    await fc.assert(
      fc.asyncProperty(bad, async (extra) => {
        const storage = new MemoryStorage();
        const launchPage = new FakeWindow(`${APP}launch.html?iss=${encodeURIComponent(FHIR)}&launch=l`);
        const options: BrowserAppOptions = {
          clientId: "browser-app",
          scope: "launch openid fhirUser patient/*.rs",
          redirectUri: APP,
          fhirBaseUrl: FHIR,
          storage,
          location: launchPage.location,
          history: launchPage.history,
          fetch: async (input) => {
            requests.push(String(input));
            throw new Error("no request expected");
          },
          ...(extra as Partial<BrowserAppOptions>),
        };
        const expected = await message(
          () => new SmartLaunch({ ...(options as SmartLaunchOptions), redirectUri: options.redirectUri ?? APP }),
        );
        fc.pre(expected !== "no error");
        expect(await message(() => authorize(options))).toBe(expected);
        expect(launchPage.assigned).toEqual([]);
        const redirectPage = new FakeWindow(`${APP}?state=some-state-value-0123456789&code=c`);
        expect(
          await message(() => ready({ ...options, location: redirectPage.location, history: redirectPage.history })),
        ).toBe(expected);
        expect(
          Array.from({ length: storage.length }, (_, i) => storage.key(i)).filter((k) => k?.includes("launch:")),
        ).toEqual([]);
      }),
      { numRuns: 150 },
    );
    expect(requests).toEqual([]);
  });
});
