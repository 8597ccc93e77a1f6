import { describe, expect, it } from "vitest";
import { GrantIssueCode, SmartClient, type GrantIssue } from "../src/index.js";
import { createFakeServer } from "./support/fake-smart-server.js";

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });

// Restriction sets that nest and overlap everywhere (seeded): the hard case of subset queries (SECURITY.md F15).
const crafted = (n: number, perms: string, seed: number) => {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, () => {
    const params = new Set<string>();
    while (params.size < 10) params.add(`p${Math.floor(next() * 20)}=v`);
    return `user/Observation.${perms}?${[...params].join("&")}`;
  }).join(" ");
};

/** The longest the event loop was blocked while `run` ran, in ms: the longest gap between two turns of the loop. */
async function longestBlock(run: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  let running = true;
  const turn = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  try {
    await run();
  } finally {
    running = false;
  }
  await new Promise((resolve) => setImmediate(resolve));
  return longest;
}

/** A client whose first grant is `original`, and the least time (of `runs`) one refresh answered with `scope` blocked the loop. */
async function refreshBlock(original: string, scope: string, extra: Record<string, unknown> = {}, runs = 3) {
  const server = await createFakeServer();
  const smart = new SmartClient({
    smartConfig: server.config,
    clientId: "my-app",
    fhirBaseUrl: server.FHIR,
    fetch: server.fetch,
    // a 1 MiB scope plus JSON is over the default 1 MiB response cap (SECURITY.md F14): raise it for this test
    maxResponseBytes: 4 << 20,
    tokens: { access_token: "a", token_type: "Bearer", scope: original, refresh_token: "rt", expires_in: 300 },
  });
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const body = JSON.stringify({ access_token: `b${i}`, token_type: "bearer", expires_in: 300, scope, ...extra });
    server.next.push(() => new Response(body, { headers: { "content-type": "application/json" } }));
    least = Math.min(least, await longestBlock(() => smart.refresh()));
    expect(smart.token?.access_token).toBe(`b${i}`);
  }
  return { smart, blocked: least };
}

const honest = (n: number, tag = "c") =>
  Array.from({ length: n }, (_, i) => `user/Observation.rs?category=${tag}${i}`).join(" ");
const NOT_COMPARED = "refreshed grant not compared with the original grant: too large to compare";
const messageOf = (issue: GrantIssue) => issue.message;

// Timings are compared with an honest refresh of the same size measured alongside, so that a loaded CI machine
// slows both; the absolute ceilings are only there to catch seconds. Before the fix the crafted pair blocked
// for ~20 s (3,000 + 3,000) and a 1 MiB scope was parsed and compared on every refresh.
describe("the grant check on refresh is bounded whatever the server sends (issue 15 section 3, SECURITY.md F15, checklist 2.56)", () => {
  it("compares an honest large grant (4,000 granular scopes, one widened) and stops a crafted one of the same size", async () => {
    const base = await refreshBlock(honest(4_000), `${honest(4_000)} user/Condition.rs`);
    expect(base.smart.grantIssues.map(messageOf)).toEqual(["refresh widened the grant: user/Condition.rs"]);

    const attack = await refreshBlock(crafted(3_000, "rs", 1), crafted(3_000, "cud", 2));
    expect(attack.blocked).toBeLessThan(4 * base.blocked + 50);
    expect(attack.blocked).toBeLessThan(2_000);
    expect(attack.smart.grantIssues.map(messageOf)).toEqual([NOT_COMPARED]);
    expect(attack.smart.grantIssues.map((issue) => issue.code)).toEqual([GrantIssueCode.GrantNotCompared]);
  });

  it("does not compare a 1 MiB scope (over MAX_COMPARED_SCOPE_LENGTH): marked not compared, blocking no longer than a 1 MiB body with a short scope", async () => {
    const mib = honest(40_000).slice(0, 1 << 20);
    const padded = await refreshBlock("user/Observation.rs", "user/Observation.rs", {
      padding: mib.replaceAll(" ", "_"),
    });
    const attack = await refreshBlock("user/Observation.rs", mib);
    expect(attack.blocked).toBeLessThan(2 * padded.blocked + 25);
    expect(attack.blocked).toBeLessThan(2_000);
    expect(attack.smart.grantIssues.map(messageOf)).toEqual([NOT_COMPARED]);
  });
});
