import { describe, expect, it } from "vitest";
import { SmartAuthError, SmartLaunch, type SmartLaunchOptions } from "../src/index.js";
import { defaultLaunchStateStore } from "../src/default-launch-state.js";
import { createFakeServer } from "./support/fake-smart-server.js";

// Issue 20 item 6: SmartLaunch's default InMemoryLaunchStateStore is imported on its first put or take, so an
// app with its own store never loads it. Its behaviour (one store per SmartLaunch, the F18 bounds, misuse
// as a TypeError at construction) must be what the eagerly made store had.
const REDIRECT = "https://app.example.com/callback";
const SCOPE = "patient/Observation.rs offline_access";

describe("SmartLaunch's default launch-state store, loaded on first use (issue 20 item 6)", () => {
  it("concurrent launches share one store: every callback finds its own record once (checklist 2.3, E12)", async () => {
    const server = await createFakeServer();
    const app = new SmartLaunch({
      clientId: "my-app",
      redirectUri: REDIRECT,
      scope: SCOPE,
      trustedIssuers: [server.FHIR],
      fetch: server.fetch,
    });
    // started together, before the store's module has loaded
    const starts = await Promise.all(
      Array.from({ length: 8 }, (_, i) => app.standaloneLaunch({ fhirBaseUrl: server.FHIR, session: `browser-${i}` })),
    );
    expect(new Set(starts.map((s) => s.state)).size).toBe(8);
    const sessions = await Promise.all(
      starts.map((start, i) => app.handleCallback(server.authorize({ url: start.url }), { session: `browser-${i}` })),
    );
    expect(sessions).toHaveLength(8);
    // a state is usable once
    const again = await app.handleCallback(server.authorize({ url: starts[0]!.url }), { session: "browser-0" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(SmartAuthError.is(again)).toBe(true);
    expect(again).toMatchObject({ code: "invalid_state" });
  });

  it("F18: a session's 17th pending launch is refused with launch_limit by the default store, as before", async () => {
    const server = await createFakeServer();
    const app = new SmartLaunch({
      clientId: "my-app",
      redirectUri: REDIRECT,
      scope: SCOPE,
      trustedIssuers: [server.FHIR],
      fetch: server.fetch,
    });
    for (let i = 0; i < 16; i++) await app.standaloneLaunch({ fhirBaseUrl: server.FHIR, session: "browser-1" });
    const error = await app.standaloneLaunch({ fhirBaseUrl: server.FHIR, session: "browser-1" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(SmartAuthError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: "launch_limit" });
  });

  it("misuse of the store's bounds is still a TypeError thrown by the constructor, not at the first launch", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, "16"]) {
      for (const name of ["maxEntries", "maxPerSession"]) {
        const options = {
          clientId: "my-app",
          redirectUri: REDIRECT,
          scope: SCOPE,
          [name]: bad,
        } as unknown as SmartLaunchOptions;
        expect(() => new SmartLaunch(options)).toThrow(
          new TypeError(`InMemoryLaunchStateStore needs ${name} as a positive integer`),
        );
        expect(() => defaultLaunchStateStore(options as never)).toThrow(TypeError);
      }
    }
  });

  it("a take before any put loads the store and finds nothing", async () => {
    await expect(defaultLaunchStateStore({}).take("unknown")).resolves.toBeUndefined();
  });
});
