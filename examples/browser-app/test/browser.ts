import { chromium, type Browser, type Page } from "playwright-core";

/** Debian chromium, headless, quiet on the closed network (the flags of examples/app-launch/test/browser.ts). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** The Observation table's rows as text cells. */
export function observationRows(page: Page): Promise<string[][]> {
  return page
    .locator("#observations tbody tr")
    .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent ?? "")));
}

/** Every key and value of a web storage of the page. */
export function webStorage(page: Page, which: "sessionStorage" | "localStorage"): Promise<Record<string, string>> {
  return page.evaluate((name) => {
    const storage = window[name];
    return Object.fromEntries(
      Array.from({ length: storage.length }, (_, i) => storage.key(i)!).map((k) => [k, storage.getItem(k)!]),
    );
  }, which);
}
