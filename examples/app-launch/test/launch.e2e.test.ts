import { InMemoryTokenStore } from "@fhir-dsl/smart";
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "../src/app.js";
import { sessionTag } from "../src/sessions.js";
import { bannerText, launchBrowser, observationRows, screenshot } from "./browser.js";

let sandbox: Sandbox;
let app: RunningApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const tokenStore = new InMemoryTokenStore();

beforeAll(async () => {
  [sandbox, browser] = await Promise.all([startSandbox({ port: 0 }), launchBrowser()]);
  app = await startApp({ port: 0, sandbox, tokenStore });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await sandbox?.close();
});
beforeEach(async () => {
  sandbox.faults.reset();
  context = await browser.newContext();
  page = await context.newPage();
});
afterEach(async () => {
  await context.close();
});

const grants = (type: string) => sandbox.stats.tokenRequestsByGrant[type] ?? 0;

describe("App Launch in Chromium against the sandbox", () => {
  it("EHR launch: sandbox launch URL → /launch → authorize → /callback → patient banner and Observations (checklist 2c, 3f)", async () => {
    const response = await page.goto(sandbox.ehrLaunchUrl(app.launchUrl, { patient: "patient-2" }));
    expect(response?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toMatch(/^\/patient\/[\w-]{43}$/);
    const banner = await bannerText(page);
    expect(banner).toContain("Chidi Okafor");
    expect(banner).toContain("1954-11-30");
    const rows = await observationRows(page);
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r[1])).toEqual(expect.arrayContaining(["Heart rate", "Glucose [Mass/volume] in Blood"]));
    expect(await page.locator("body").innerText()).toContain("Signed in as");
    await screenshot(page, "ehr-launch-patient");
  });

  it("the token stays on the server: not in the page, the cookies or web storage; the session cookie is HttpOnly and SameSite=Lax", async () => {
    await page.goto(sandbox.ehrLaunchUrl(app.launchUrl));
    const cookies = await context.cookies(app.url);
    const session = cookies.find((c) => c.name === "app_session")!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax" });
    const ctx = new URL(page.url()).pathname.split("/").pop();
    // the store key holds a hash of the session id, never the cookie value (issue 15 §7)
    const token = await tokenStore.get(`app:${sessionTag(session.value.split(".")[0]!)}:${ctx}`);
    expect(token?.access_token).toEqual(expect.any(String));
    expect(token?.refresh_token).toEqual(expect.any(String));
    const visible = [
      await page.content(),
      JSON.stringify(cookies),
      await page.evaluate(
        () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie,
      ),
    ].join("\n");
    for (const secret of [token!.access_token, token!.refresh_token!, token!.id_token as string])
      expect(visible).not.toContain(secret);
  });

  it("standalone launch from the start page reaches the patient page (checklist 2d)", async () => {
    await page.goto(app.url);
    await screenshot(page, "standalone-start");
    await page.click("#standalone");
    await page.waitForURL(/\/patient\/[\w-]{43}$/);
    expect(await bannerText(page)).toContain("Ana Rivera");
    expect(await observationRows(page)).toHaveLength(2);
  });

  it("no banner when the EHR says need_patient_banner: false (checklist 3f)", async () => {
    await page.goto(sandbox.ehrLaunchUrl(app.launchUrl, { patient: "patient-3", need_patient_banner: false }));
    expect(new URL(page.url()).pathname).toMatch(/^\/patient\//);
    expect(await bannerText(page)).toBeNull();
    expect(await observationRows(page)).toHaveLength(2);
  });

  it("an expired access token is refreshed on reload, without a new authorization (checklist 2k, E3)", async () => {
    sandbox.faults.setAccessTokenLifetime(2);
    await page.goto(sandbox.ehrLaunchUrl(app.launchUrl, { patient: "patient-4" }));
    expect(await bannerText(page)).toContain("Hiroshi Tanaka");
    const codes = grants("authorization_code");
    const refreshes = grants("refresh_token");
    const authorizeRequests: string[] = [];
    page.on("request", (request) => {
      if (request.url().startsWith(sandbox.authorizationEndpoint)) authorizeRequests.push(request.url());
    });
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    const patientUrl = page.url();
    await page.reload();
    expect(page.url()).toBe(patientUrl);
    expect(await bannerText(page)).toContain("Hiroshi Tanaka");
    expect(await observationRows(page)).toHaveLength(2);
    expect(grants("refresh_token")).toBe(refreshes + 1);
    expect(grants("authorization_code")).toBe(codes);
    expect(authorizeRequests).toEqual([]);
  });

  it("a denied authorization shows a readable error page (checklist 2f, E9)", async () => {
    sandbox.faults.denyNextAuthorization();
    await page.goto(app.url);
    await page.click("#standalone");
    await page.waitForURL(/\/callback\?/);
    expect(await page.locator("h2").innerText()).toBe("Authorization was not granted");
    const text = await page.locator("main").innerText();
    expect(text).toContain("access_denied");
    expect(text).toContain("Back to the start page");
    await screenshot(page, "denied");
  });

  it("the error page escapes what the redirect carries (no HTML or script from the URL runs)", async () => {
    // start a launch without following it, to hold a live state; the context's cookies get the binding
    const started = await context.request.post(`${app.url}/standalone`, { maxRedirects: 0 });
    expect(started.status()).toBe(302);
    const state = new URL(started.headers().location!).searchParams.get("state")!;
    const evil = `<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>`;
    const callback = `${app.redirectUri}?${new URLSearchParams({ state, error: "access_denied", error_description: evil })}`;
    const response = await page.goto(callback);
    expect(response?.status()).toBe(403);
    expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator("main").innerText()).toContain(evil);
    expect(await page.locator("main img, main script").count()).toBe(0);
    await screenshot(page, "escaped-error");
  });

  // Both launches are pending at once (two states, two binding cookies: E12). The session id rotates at each
  // login, so a browser's callbacks must not cross in flight (a callback still carrying the id the other one
  // just rotated away starts a new session, by design: README "Sessions"); the second tab's sign-in waits here.
  it("two tabs launching at once each reach their own patient, also after reload (checklist E12)", async () => {
    const second = await context.newPage();
    const first = page.goto(sandbox.ehrLaunchUrl(app.launchUrl, { patient: "patient-2" }));
    await second.route(`${sandbox.authorizationEndpoint}**`, async (route) => {
      await first;
      await route.continue();
    });
    await Promise.all([first, second.goto(sandbox.ehrLaunchUrl(app.launchUrl, { patient: "patient-5" }))]);
    expect(page.url()).not.toBe(second.url());
    expect(await bannerText(page)).toContain("Chidi Okafor");
    expect(await bannerText(second)).toContain("Claire Dubois");
    await Promise.all([page.reload(), second.reload()]);
    expect(await bannerText(page)).toContain("Chidi Okafor");
    expect(await bannerText(second)).toContain("Claire Dubois");
  });

  it("an EHR launch from a server not on the allow-list is refused before any request to it (checklist E15)", async () => {
    const response = await page.goto(
      `${app.launchUrl}?iss=${encodeURIComponent("http://127.0.0.1:9/evil")}&launch=abc`,
    );
    expect(response?.status()).toBe(400);
    expect(await page.locator("h2").innerText()).toBe("Unknown EHR");
  });

  it("a launch id from another browser session is not found", async () => {
    await page.goto(sandbox.ehrLaunchUrl(app.launchUrl));
    const other = await browser.newContext();
    try {
      const stranger = await other.newPage();
      const response = await stranger.goto(page.url());
      expect(response?.status()).toBe(404);
      expect(await bannerText(stranger)).toBeNull();
    } finally {
      await other.close();
    }
  });
});
