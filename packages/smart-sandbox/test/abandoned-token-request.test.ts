// Issue 19 (newcomer): oidc-provider printed "already parsed request body" in test output. Cause: a token request
// the client abandoned during an injected delay (faults.delayTokenMs) was still handed to oidc-provider, whose
// body parser found the request stream already closed. The sandbox now drops such a request instead.
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { type Sandbox, startSandbox } from "../src/index.js";
import { tokenPost } from "./helpers.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ clients: [{ clientId: "app", redirectUris: ["http://127.0.0.1:1/callback"] }] });
});
afterAll(() => sandbox.close());

it("a token request abandoned during delayTokenMs never reaches oidc-provider: no body-parser warning, the next request is fine", async () => {
  const warn = vi.spyOn(console, "warn");
  try {
    sandbox.faults.delayTokenMs(300);
    for (let i = 0; i < 3; i++) {
      const aborted = await fetch(sandbox.tokenEndpoint, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "x", client_id: "app" }),
        signal: AbortSignal.timeout(50),
      }).catch((error: Error) => error);
      expect(aborted).toBeInstanceOf(Error);
    }
    await new Promise((resolve) => setTimeout(resolve, 500)); // the delays run out
    sandbox.faults.reset();
    const next = await tokenPost(sandbox, { grant_type: "refresh_token", refresh_token: "x", client_id: "app" });
    expect(next.body.error).toBe("invalid_grant");
    expect(warn.mock.calls.flat().join("\n")).not.toContain("already parsed request body");
  } finally {
    warn.mockRestore();
  }
});
