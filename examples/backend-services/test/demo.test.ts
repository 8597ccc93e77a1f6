import { describe, expect, it } from "vitest";
import { errorLines, runMain } from "./helpers.js";

describe("pnpm start on embedded defaults (what `pnpm demo` runs)", () => {
  it("starts the sandbox, authenticates with ES384 private_key_jwt, reads every page, reports and exits 0 (checklist 4, E24)", async () => {
    const { code, stdout, stderr } = await runMain();
    expect(errorLines(stderr)).toEqual([]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^SMART Backend Services on the embedded sandbox/);
    expect(stdout).toMatch(/discovery +http:\/\/127\.0\.0\.1:\d+\/fhir\/\.well-known\/smart-configuration \(\d+ ms\)/);
    expect(stdout).toMatch(/capabilities +\d+ listed, including client-confidential-asymmetric/);
    expect(stdout).toMatch(/client +demo-backend, private_key_jwt with ES384 key "demo-key-1"/);
    expect(stdout).toMatch(/obtained +1 token request in \d+ ms/);
    expect(stdout).toMatch(/granted scope +system\/Patient\.rs system\/Observation\.rs/);
    expect(stdout).toMatch(/lifetime +expires in (29\d|300) s/);
    expect(stdout).toMatch(/token store +memory/);
    // 5 fixture patients at 2 per page: 3 pages; 2 observations each
    expect(stdout).toMatch(/patients +5 in 3 pages/);
    expect(stdout).toMatch(/observations +10 in 5 pages/);
    expect(stdout).toMatch(/Rivera, Ana +1987-04-12 +2 observations/);
    expect(stdout).toMatch(/requests +10 \(discovery 1, token 1, FHIR 8\)/);
    expect(stdout).toMatch(/total time +\d+ ms/);
  });

  it("prints no token, assertion or key (a JWT or PEM would show as eyJ... or BEGIN)", async () => {
    const { code, stdout, stderr } = await runMain({ ALG: "RS384", PAGE_SIZE: "100" });
    expect(code).toBe(0);
    expect(stdout).toMatch(/private_key_jwt with RS384/);
    expect(stdout).toMatch(/patients +5 in 1 page \(/);
    expect(stdout + stderr).not.toMatch(/eyJ[\w-]{10,}|BEGIN|PRIVATE KEY|access_token/);
  });
});
