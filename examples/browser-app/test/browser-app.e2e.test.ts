import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { build } from "vite";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pageFiles, readManifest } from "../scripts/page-files.mjs";
import { DIST, startStack, type Stack } from "../scripts/stack.js";
import { launchBrowser, observationRows, webStorage } from "./browser.js";

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Every URL the browser requested or navigated to in this test (for "no token in any URL"). */
let urls: string[];
/** The requests only. */
let requests: string[];

beforeAll(async () => {
  await build({
    configFile: fileURLToPath(new URL("../vite.config.ts", import.meta.url)),
    logLevel: "warn",
    build: { manifest: true }, // which JS each page should fetch (see "each page fetches exactly…")
  });
  [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});
beforeEach(async () => {
  stack.sandbox.faults.reset();
  stack.sandbox.stats.reset();
  urls = [];
  requests = [];
  context = await browser.newContext();
  context.setDefaultTimeout(10_000); // a clear error naming the step, inside the test's 30 s
  context.setDefaultTimeout(10_000); // a clear error naming the step, inside the test's 30 s
  context.on("request", (request) => {
    urls.push(request.url());
    requests.push(request.url());
  });
  page = await context.newPage();
  page.on("framenavigated", (frame) => urls.push(frame.url()));
});
afterEach(async () => {
  await context.close();
});

const banner = (p: Page = page) => p.locator("#patient-banner").innerText();
// the first authorization request of a launch (oidc-provider resumes the same one under /authorize/<uid>)
const authorizeRequests = () => requests.filter((u) => u.split("?")[0] === stack.sandbox.authorizationEndpoint).length;
const grants = (type: string) => stack.sandbox.stats.tokenRequestsByGrant[type] ?? 0;

/** After a launch: the token is in this tab's sessionStorage only, and in no URL, history entry or localStorage. */
async function expectTokenOnlyInSessionStorage(p: Page = page): Promise<void> {
  const session = await webStorage(p, "sessionStorage");
  const stored = JSON.parse(session["smart:browser-app:token:session"]!) as {
    token: { access_token: string; refresh_token?: string };
  };
  const secrets = [stored.token.access_token, stored.token.refresh_token].filter(
    (s): s is string => typeof s === "string",
  );
  expect(secrets.length).toBeGreaterThan(0);
  for (const url of [...urls, p.url()]) for (const secret of secrets) expect(url).not.toContain(secret);
  expect(new URL(p.url()).search).toBe(""); // the code and state were stripped from the address bar
  expect(await webStorage(p, "localStorage")).toEqual({});
  expect(Object.keys(session).every((k) => k.startsWith("smart:browser-app:"))).toBe(true);
}

describe("a static SMART app in Chromium, on another origin than the sandbox", () => {
  it("EHR launch: sandbox → launch.html → authorize → index.html shows the patient banner and Observations (checklist 2.15, 2.10 CORS)", async () => {
    await page.goto(stack.sandbox.ehrLaunchUrl(stack.launchUrl, { patient: "patient-2" }));
    expect(await banner()).toContain("Chidi Okafor");
    expect(await banner()).toContain("1954-11-30");
    const rows = await observationRows(page);
    expect(rows.map((r) => r[1])).toEqual(expect.arrayContaining(["Heart rate", "Glucose [Mass/volume] in Blood"]));
    expect(page.url()).toBe(stack.redirectUri);
    expect(await page.locator("#session").innerText()).toContain("Signed in as"); // fhirUser from the id_token verified in the page
    await expectTokenOnlyInSessionStorage();
    // the app works under the strict CSP recommended in SECURITY.md "Browser apps" (no inline script, no eval)
    const csp = (await context.request.get(stack.redirectUri)).headers()["content-security-policy"];
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain(`connect-src 'self' ${new URL(stack.sandbox.url).origin};`);
  });

  it("each page fetches exactly the JS files the Vite manifest lists for it: the launch page its half, the app page its half and id_token verification (issue 20, size)", async () => {
    await page.goto(stack.sandbox.ehrLaunchUrl(stack.launchUrl, { patient: "patient-2" }));
    await banner();
    // the static server sends no-store: each page requests every file it loads, none comes from the cache
    const app = requests.filter((u) => u.startsWith(new URL(stack.launchUrl).origin));
    const callback = app.findIndex((u) => u.startsWith(stack.redirectUri) && new URL(u).searchParams.has("code"));
    expect(callback).toBeGreaterThan(0);
    const js = (list: string[]) =>
      [...new Set(list.map((u) => new URL(u).pathname).filter((p) => p.endsWith(".js")))]
        .map((p) => p.slice(p.indexOf("/assets/") + 1))
        .sort();
    const manifest = readManifest(DIST);
    const appPage = pageFiles(manifest, "index.html", /^id-token$/);
    expect(js(app.slice(0, callback))).toEqual(pageFiles(manifest, "launch.html").start);
    expect(js(app.slice(callback))).toEqual([...appPage.start, ...appPage.lazy].sort());
  });

  it("standalone launch: launch.html with no iss launches against the configured FHIR base", async () => {
    await page.goto(stack.launchUrl);
    expect(await banner()).not.toBe("");
    expect(
      new URL(urls.find((u) => u.startsWith(stack.sandbox.authorizationEndpoint))!).searchParams.has("launch"),
    ).toBe(false);
    await expectTokenOnlyInSessionStorage();
  });

  it("reload keeps the session: no new authorization request, no new token", async () => {
    await page.goto(stack.sandbox.ehrLaunchUrl(stack.launchUrl, { patient: "patient-2" }));
    await banner();
    const [authorizations, issued] = [authorizeRequests(), stack.sandbox.stats.tokensIssued];
    expect(authorizations).toBe(1);
    await page.reload();
    expect(await banner()).toContain("Chidi Okafor");
    expect(authorizeRequests()).toBe(authorizations);
    expect(stack.sandbox.stats.tokensIssued).toBe(issued);
    await expectTokenOnlyInSessionStorage();
  });

  it("two tabs launching at once each get their own patient (per-state records, per-tab storage: E12)", async () => {
    const second = await context.newPage();
    // both launch pages store their launch at once; the sandbox's sign-in (one login cookie per browser) runs one at a time
    const first = page.goto(stack.sandbox.ehrLaunchUrl(stack.launchUrl, { patient: "patient-2" }));
    await second.route(`${stack.sandbox.authorizationEndpoint}**`, async (route) => {
      await page.locator("#patient-banner").waitFor();
      await route.continue();
    });
    await Promise.all([first, second.goto(stack.sandbox.ehrLaunchUrl(stack.launchUrl, { patient: "patient-5" }))]);
    expect(await banner(page)).toContain("Chidi Okafor");
    expect(await banner(second)).toContain("Claire Dubois");
    await expectTokenOnlyInSessionStorage(page);
    await expectTokenOnlyInSessionStorage(second);
    // The sandbox (oidc-provider) binds online_access tokens to its login session, one grant per client per
    // browser: the second sign-in ended the first tab's grant at the server. The app reports it as a typed error.
    await Promise.all([page.reload(), second.reload()]);
    expect(await banner(second)).toContain("Claire Dubois");
    expect(await page.locator("#error").getAttribute("data-code")).toBe("reauthorization_required");
  });

  it("two tabs with offline_access (grants not bound to the server's login session) both keep their session after reload", async () => {
    await stack.configure({
      scope: "launch/patient openid fhirUser offline_access patient/Patient.rs patient/Observation.rs",
    });
    try {
      const second = await context.newPage();
      const first = page.goto(stack.sandbox.ehrLaunchUrl(stack.launchUrl, { patient: "patient-2" }));
      await second.route(`${stack.sandbox.authorizationEndpoint}**`, async (route) => {
        await page.locator("#patient-banner").waitFor();
        await route.continue();
      });
      await Promise.all([first, second.goto(stack.sandbox.ehrLaunchUrl(stack.launchUrl, { patient: "patient-5" }))]);
      await Promise.all([banner(page), banner(second)]);
      await Promise.all([page.reload(), second.reload()]);
      expect(await banner(page)).toContain("Chidi Okafor");
      expect(await banner(second)).toContain("Claire Dubois");
      expect(authorizeRequests()).toBe(2);
    } finally {
      await stack.configure();
    }
  });

  it("an expired access token is refreshed on reload (online_access), with no new login", async () => {
    stack.sandbox.faults.setAccessTokenLifetime(2);
    await page.goto(stack.sandbox.ehrLaunchUrl(stack.launchUrl, { patient: "patient-2" }));
    await banner();
    const before = (await webStorage(page, "sessionStorage"))["smart:browser-app:token:session"];
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await page.reload();
    expect(await banner()).toContain("Chidi Okafor");
    expect(grants("refresh_token")).toBe(1);
    expect(authorizeRequests()).toBe(1);
    expect((await webStorage(page, "sessionStorage"))["smart:browser-app:token:session"]).not.toBe(before);
    await expectTokenOnlyInSessionStorage();
  });

  it('"back" to the callback URL is refused (invalid_state, no token request) and the session stays usable (checklist 2.3)', async () => {
    await page.goto(stack.sandbox.ehrLaunchUrl(stack.launchUrl, { patient: "patient-2" }));
    await banner();
    const callback = urls.find((u) => u.startsWith(stack.redirectUri) && new URL(u).searchParams.has("code"))!;
    expect(callback).toBeDefined();
    const requests = stack.sandbox.stats.tokenRequests;
    await page.goto(callback);
    expect(await page.locator("#error").getAttribute("data-code")).toBe("invalid_state");
    expect(new URL(page.url()).search).toBe("");
    expect(stack.sandbox.stats.tokenRequests).toBe(requests);
    await page.goto(stack.redirectUri);
    expect(await banner()).toContain("Chidi Okafor");
  });

  it("sign-out revokes at the server and clears this app's storage; a reload then needs a new launch", async () => {
    await page.goto(stack.sandbox.ehrLaunchUrl(stack.launchUrl, { patient: "patient-2" }));
    await banner();
    await page.click("#sign-out");
    await page.locator("#signed-out").waitFor();
    expect(stack.sandbox.stats.revocations).toBeGreaterThanOrEqual(1);
    expect(await webStorage(page, "sessionStorage")).toEqual({});
    expect(await webStorage(page, "localStorage")).toEqual({});
    await page.reload();
    expect(await page.locator("#error").getAttribute("data-code")).toBe("reauthorization_required");
  });
});
