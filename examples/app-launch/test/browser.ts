import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

/** Debian chromium, headless, quiet on the closed network (TOOLCHAIN.md); playwright gives it a fresh profile dir. */
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

const artifacts = process.env.SCREENSHOT_DIR || fileURLToPath(new URL("../test-artifacts", import.meta.url));

/** A full-page PNG in test-artifacts/ (or SCREENSHOT_DIR); returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(artifacts, { recursive: true });
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The text of the patient banner, or null when the page shows none. */
export async function bannerText(page: Page): Promise<string | null> {
  const banner = page.locator("#patient-banner");
  return (await banner.count()) ? banner.innerText() : null;
}

/** The Observation table's rows as text cells. */
export async function observationRows(page: Page): Promise<string[][]> {
  return page
    .locator("#observations tbody tr")
    .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent ?? "")));
}
