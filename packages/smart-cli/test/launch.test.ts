import { readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../src/index.js";
import { json, type Run } from "./support/cli.js";

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    launchContext: { patient: "patient-1", encounter: "encounter-1", fhirUser: "Patient/patient-1" },
  });
  // RFC 8252 §7.3: a native client's loopback redirect matches on any port (the custom scheme makes it "native")
  await sandbox.registerClient({
    clientId: "smart-cli",
    redirectUris: ["http://127.0.0.1/callback", "org.example.smart-cli:/callback"],
  });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.faults.reset());

/**
 * Runs `smart launch` in-process and plays the browser: waits for the printed authorization URL, drives the
 * sandbox's login and consent with a cookie jar (sandbox.authorize), then follows the redirect to the CLI's listener.
 */
async function launch(
  args: string[],
  browser: (authorizeUrl: string) => Promise<URL> = (u) => sandbox.authorize(u),
): Promise<Run & { opened: string[]; page: string }> {
  let stdout = "";
  let stderr = "";
  const opened: string[] = [];
  let printed: (url: string) => void = () => {};
  const urlPrinted = new Promise<string>((resolve) => (printed = resolve));
  const done = runCli(["launch", "--fhir-base", sandbox.fhirBaseUrl, "--client-id", "smart-cli", ...args], {
    stdout: (t) => (stdout += `${t}\n`),
    stderr: (t) => {
      stderr += t;
      const url = /^(http:\/\/127\.0\.0\.1:\d+\/auth\/authorize\?\S+)$/m.exec(stderr)?.[1];
      if (url) printed(url);
    },
    env: {},
    isTTY: false,
    openUrl: (u) => opened.push(u),
  });
  const authorizeUrl = await Promise.race([
    urlPrinted,
    done.then(() => Promise.reject(new Error(`launch ended early: ${stderr}`))),
  ]);
  const redirect = await browser(authorizeUrl);
  const page = await (await fetch(redirect)).text();
  const code = await done;
  return { code, stdout, stderr, opened, page };
}

describe("smart launch: standalone launch through a loopback redirect (RFC 8252), end to end", () => {
  it("prints the URL, opens the browser, and prints patient, encounter, verified fhirUser and granted scopes", async () => {
    const r = await launch(["--scope", "launch/patient launch/encounter openid fhirUser patient/*.rs offline_access"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^Open this URL in a browser to sign in \(redirect: http:\/\/127\.0\.0\.1:\d+\/callback\):$/m,
    );
    expect(r.opened).toHaveLength(1);
    expect(r.opened[0]).toMatch(/code_challenge_method=S256/);
    expect(r.page).toMatch(/Launch complete/);
    expect(r.stdout).toMatch(/^ {2}patient +patient-1$/m);
    expect(r.stdout).toMatch(/^ {2}encounter +encounter-1$/m);
    expect(r.stdout).toMatch(new RegExp(`fhirUser +${sandbox.fhirBaseUrl}/Patient/patient-1 \\(id_token verified\\)`));
    expect(r.stdout).toMatch(/patient\/\*\.rs +read and search resources of every type of the patient in context/);
    expect(r.stdout).toMatch(/refresh token: yes/);
    expect(r.stdout).toMatch(/nothing stored/);
  });

  it("--json: the launch context valid against the schema; no token in any output without --print-token", async () => {
    // every token the server sends, read from the real token response
    const tokens: string[] = [];
    const realFetch = globalThis.fetch;
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const response = await realFetch(input, init);
      if (String(input instanceof Request ? input.url : input) === sandbox.tokenEndpoint && response.ok) {
        const body = (await response.clone().json()) as Record<string, unknown>;
        for (const k of ["access_token", "refresh_token", "id_token"])
          if (typeof body[k] === "string") tokens.push(body[k] as string);
      }
      return response;
    });
    const r = await launch([
      "--json",
      "--no-open",
      "--scope",
      "launch/patient launch/encounter openid fhirUser patient/*.rs",
    ]);
    expect(r.code).toBe(0);
    expect(r.opened).toEqual([]);
    const out = json(r);
    expect(out).toMatchObject({
      command: "launch",
      ok: true,
      clientId: "smart-cli",
      idTokenVerified: true,
      context: { patient: "patient-1", encounter: "encounter-1", fhirUser: `${sandbox.fhirBaseUrl}/Patient/patient-1` },
      refreshToken: false,
      saved: null,
    });
    expect(out).not.toHaveProperty("accessToken");
    spy.mockRestore();
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    for (const token of tokens) expect((r.stdout + r.stderr).includes(token)).toBe(false);
    expect(r.stdout + r.stderr).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect(r.stdout + r.stderr).not.toMatch(/[?&]code=/);
  });

  it("--save writes the tokens with mode 600, only when asked", async () => {
    const file = join(tmpdir(), `smart-cli-launch-${process.pid}.json`);
    const r = await launch([
      "--no-open",
      "--save",
      file,
      "--scope",
      "launch/patient openid fhirUser patient/*.rs offline_access",
    ]);
    expect(r.code).toBe(0);
    const saved = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    expect(saved).toMatchObject({ patient: "patient-1", token_type: "Bearer" });
    expect(typeof saved.access_token).toBe("string");
    expect(typeof saved.refresh_token).toBe("string");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(r.stdout).not.toContain(saved.access_token as string);
    expect(r.stdout).toMatch(/tokens saved to/);
  });

  it("a denied authorization: exit 1 with the OAuth error, the browser told to look at the terminal", async () => {
    sandbox.faults.denyNextAuthorization("access_denied");
    const r = await launch(["--no-open"]);
    expect(r.code).toBe(1);
    expect(r.page).toMatch(/Launch failed/);
    expect(r.stderr).toMatch(/error smart launch: Authorization was not granted: access_denied.*authorization_denied/);
    expect(r.stderr).toMatch(/hint/);
  });

  it("a redirect whose state is not this launch's is refused (checklist 2.3)", async () => {
    const r = await launch(["--no-open"], async (u) => {
      const redirect = await sandbox.authorize(u);
      redirect.searchParams.set("state", "x".repeat(43));
      return redirect;
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/invalid_state/);
  });

  it("no redirect within --wait: exit 1 with a hint", async () => {
    let stderr = "";
    const code = await runCli(
      ["launch", "--fhir-base", sandbox.fhirBaseUrl, "--client-id", "smart-cli", "--no-open", "--wait", "1"],
      {
        stdout: () => {},
        stderr: (t) => (stderr += t),
        env: {},
        isTTY: false,
      },
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/no authorization redirect within 1 s/);
  });

  it("usage errors exit 2: missing --client-id, bad --port", async () => {
    const io = { stdout: () => {}, stderr: () => {}, env: {}, isTTY: false };
    expect(await runCli(["launch", "--fhir-base", sandbox.fhirBaseUrl], io)).toBe(2);
    expect(
      await runCli(["launch", "--fhir-base", sandbox.fhirBaseUrl, "--client-id", "c", "--port", "70000"], io),
    ).toBe(2);
  });
});
