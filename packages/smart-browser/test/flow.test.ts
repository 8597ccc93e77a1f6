import { SmartAuthError, SmartAuthErrorCode } from "@fhir-dsl/smart";
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { authorize, ready, signOut, type BrowserAppOptions } from "../src/index.js";
import { FakeWindow, MemoryStorage } from "./fakes.js";

const APP = "http://127.0.0.1:1/app/";
const SCOPE = "launch openid fhirUser online_access patient/*.rs";
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, clients: [{ clientId: "browser-app", redirectUris: [APP] }] });
});
afterAll(() => sandbox?.close());
beforeEach(() => {
  sandbox.faults.reset();
  sandbox.stats.reset();
});

/** One browser tab: its storage, location and history. */
function tab(storage = new MemoryStorage(), href = `${APP}launch.html`) {
  const win = new FakeWindow(href);
  const options = (extra: Partial<BrowserAppOptions> = {}): BrowserAppOptions => ({
    clientId: "browser-app",
    scope: SCOPE,
    storage,
    location: win.location,
    history: win.history,
    trustedIssuers: [sandbox.fhirBaseUrl],
    ...extra,
  });
  return { storage, win, options };
}

/** EHR launch page → authorization server → redirect page; returns the callback URL the browser lands on. */
async function launchToCallback(t: ReturnType<typeof tab>, patient = "patient-1"): Promise<string> {
  t.win.visit(sandbox.ehrLaunchUrl(`${APP}launch.html`, { patient }));
  // the sandbox's EHR page redirects to the app's launch URL with iss and launch (SMART 2.2 #launch-app-ehr-launch)
  const launchUrl = (await fetch(t.win.href, { redirect: "manual" })).headers.get("location")!;
  t.win.visit(launchUrl);
  const authorizeUrl = await authorize(t.options());
  expect(t.win.assigned.at(-1)).toBe(authorizeUrl);
  return (await sandbox.authorize(authorizeUrl)).href;
}

const grants = (type: string) => sandbox.stats.tokenRequestsByGrant[type] ?? 0;

describe("authorize() and ready() against the sandbox", () => {
  it("EHR launch: iss+launch from the URL, PKCE S256, code exchanged, id_token verified, code stripped from the URL (checklist 2.3, 2.9, 2.15)", async () => {
    const t = tab();
    const callback = await launchToCallback(t, "patient-2");
    const authorizeUrl = new URL(t.win.assigned[0]!);
    expect(authorizeUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorizeUrl.searchParams.get("aud")).toBe(sandbox.fhirBaseUrl);
    const client = await ready(t.options({ location: t.win.visit(callback).location }));
    expect(client.patientId).toBe("patient-2");
    expect(client.fhirUser).toMatch(/Practitioner\//);
    // no code or state stays in the address bar or the history entry
    expect(t.win.href).toBe(APP);
    expect(new URL(t.win.href).search).toBe("");
    const res = await client.fetch(`${sandbox.fhirBaseUrl}/Patient/patient-2`);
    expect(res.status).toBe(200);
    // nothing under the client's prefix but the session: the launch record was taken
    const keys = Array.from({ length: t.storage.length }, (_, i) => t.storage.key(i)).sort();
    expect(keys).toEqual(["smart:browser-app:binding", "smart:browser-app:client", "smart:browser-app:token:session"]);
  });

  it("standalone launch against fhirBaseUrl; an untrusted iss on the launch page is refused before anything is stored or navigated (E15)", async () => {
    const t = tab();
    const url = await authorize(
      t.options({ fhirBaseUrl: sandbox.fhirBaseUrl, scope: "openid fhirUser launch/patient patient/*.rs" }),
    );
    expect(new URL(url).searchParams.has("launch")).toBe(false);
    const client = await ready(t.options({ location: t.win.visit((await sandbox.authorize(url)).href).location }));
    expect(client.patientId).toEqual(expect.any(String));

    const evil = tab(
      new MemoryStorage(),
      `${APP}launch.html?iss=${encodeURIComponent("https://evil.example/fhir")}&launch=x`,
    );
    await expect(authorize(evil.options())).rejects.toMatchObject({ code: SmartAuthErrorCode.UntrustedIssuer });
    expect(evil.win.assigned).toEqual([]);
  });

  it("reload: ready() without code resumes the stored session with no new token request", async () => {
    const t = tab();
    await ready(t.options({ location: t.win.visit(await launchToCallback(t)).location }));
    const issued = sandbox.stats.tokensIssued;
    const resumed = await ready(t.options({ location: t.win.visit(APP).location }));
    expect(resumed.patientId).toBe("patient-1");
    expect(resumed.fhirUser).toMatch(/Practitioner\//); // the stored id_token re-verified
    expect((await resumed.fetch(`${sandbox.fhirBaseUrl}/Patient/patient-1`)).status).toBe(200);
    expect(sandbox.stats.tokensIssued).toBe(issued);
  });

  it("an expired token is refreshed on resume (online_access), the rotated refresh token stored; without one, reauthorization_required", async () => {
    const t = tab();
    const first = await ready(t.options({ location: t.win.visit(await launchToCallback(t)).location }));
    const later = Date.now() + 3_600_000;
    const resumed = await ready(t.options({ location: t.win.visit(APP).location, now: () => later }));
    expect(grants("refresh_token")).toBe(1);
    expect(resumed.token?.access_token).not.toBe(first.token?.access_token);
    expect(t.storage.getItem("smart:browser-app:token:session")).toContain(resumed.token!.refresh_token!);

    const noRefresh = tab();
    const url = await authorize(
      noRefresh.options({ fhirBaseUrl: sandbox.fhirBaseUrl, scope: "openid fhirUser launch/patient patient/*.rs" }),
    );
    await ready(noRefresh.options({ location: noRefresh.win.visit((await sandbox.authorize(url)).href).location }));
    await expect(
      ready(noRefresh.options({ location: noRefresh.win.visit(APP).location, now: () => later })),
    ).rejects.toMatchObject({
      code: SmartAuthErrorCode.ReauthorizationRequired,
    });
    expect(noRefresh.storage.getItem("smart:browser-app:token:session")).toBeNull();
  });

  it('"back" to the callback URL replays nothing: invalid_state, no token request, the stored session still usable (checklist 2.3, E12)', async () => {
    const t = tab();
    const callback = await launchToCallback(t);
    const client = await ready(t.options({ location: t.win.visit(callback).location }));
    const requests = sandbox.stats.tokenRequests;
    const replay = await ready(t.options({ location: t.win.visit(callback).location })).catch((e: unknown) => e);
    expect(SmartAuthError.is(replay)).toBe(true);
    expect((replay as SmartAuthError).code).toBe(SmartAuthErrorCode.InvalidState);
    expect(t.win.href).toBe(APP); // stripped again
    expect(sandbox.stats.tokenRequests).toBe(requests);
    const resumed = await ready(t.options({ location: t.win.visit(APP).location }));
    expect(resumed.token?.access_token).toBe(client.token?.access_token);
  });

  it("several launches at once in one shared storage never collide: each callback finds its own record (E12)", async () => {
    const shared = new MemoryStorage();
    const tabs = [tab(shared), tab(shared), tab(shared)];
    const callbacks = await Promise.all(tabs.map((t, i) => launchToCallback(t, `patient-${i + 1}`)));
    const clients = [];
    for (const i of [2, 0, 1])
      clients[i] = await ready(tabs[i]!.options({ location: tabs[i]!.win.visit(callbacks[i]!).location }));
    expect(clients.map((c) => c.patientId)).toEqual(["patient-1", "patient-2", "patient-3"]);
  });

  it("a denied authorization is authorization_denied and the error parameters are stripped too (E9)", async () => {
    const t = tab();
    sandbox.faults.denyNextAuthorization("access_denied");
    const callback = await launchToCallback(t);
    await expect(ready(t.options({ location: t.win.visit(callback).location }))).rejects.toMatchObject({
      code: SmartAuthErrorCode.AuthorizationDenied,
    });
    expect(t.win.href).toBe(APP);
  });

  it("signOut clears this client's keys only, and revokes at the server when asked", async () => {
    const t = tab();
    const client = await ready(t.options({ location: t.win.visit(await launchToCallback(t)).location }));
    t.storage.setItem("other-app:keep", "1");
    await signOut({ ...t.options(), client, revoke: true });
    expect(sandbox.stats.revocations).toBeGreaterThanOrEqual(1);
    expect(t.storage.length).toBe(1);
    expect(t.storage.getItem("other-app:keep")).toBe("1");
    await expect(ready(t.options({ location: t.win.visit(APP).location }))).rejects.toMatchObject({
      code: SmartAuthErrorCode.ReauthorizationRequired,
    });
  });

  it("a launch page opened with ?iss= only starts a standalone launch against that (trusted) iss", async () => {
    const t = tab(new MemoryStorage(), `${APP}launch.html?iss=${encodeURIComponent(sandbox.fhirBaseUrl)}`);
    const url = new URL(await authorize(t.options({ scope: "openid fhirUser launch/patient patient/*.rs" })));
    expect(url.searchParams.get("aud")).toBe(sandbox.fhirBaseUrl);
    expect(url.searchParams.has("launch")).toBe(false);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
  });

  it("misuse is a TypeError saying what to pass: no clientId, no scope for authorize, no window outside a browser", async () => {
    const t = tab();
    await expect(authorize({ ...t.options(), scope: undefined })).rejects.toThrow(/needs scope/);
    await expect(ready({ ...t.options(), clientId: "" })).rejects.toThrow(TypeError);
    await expect(ready({ clientId: "browser-app", storage: t.storage })).rejects.toThrow(/window.location/);
    expect(t.win.assigned).toEqual([]);
  });

  it("a tampered stored session is a typed error and removed, never a crash", async () => {
    const t = tab();
    t.storage.setItem("smart:browser-app:client", '{"v":1,"fhirBaseUrl":3}');
    await expect(ready(t.options({ location: t.win.visit(APP).location }))).rejects.toMatchObject({
      code: "store_corrupt_value",
    });
    expect(t.storage.getItem("smart:browser-app:client")).toBeNull();
  });
});
