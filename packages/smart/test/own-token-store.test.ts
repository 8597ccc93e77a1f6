// Issue 20 item 6 (size): a SmartClient given no store keeps its session in its own small store, not in
// InMemoryTokenStore (whose lease a browser page would carry for nothing); it behaves as that store did.
import { describe, expect, it } from "vitest";
import { OwnTokenStore } from "../src/own-token-store.js";
import { SmartClient } from "../src/smart-client.js";
import { createFakeServer } from "./support/fake-smart-server.js";

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });

describe("OwnTokenStore (a SmartClient's default store)", () => {
  it("copies values in and out: a caller mutating what it read or wrote cannot change what is stored", async () => {
    const store = new OwnTokenStore();
    const token = { access_token: "a", token_type: "Bearer", expires_at: 1 };
    await store.set("k", token);
    token.access_token = "changed";
    const read = (await store.get("k"))!;
    expect(read.access_token).toBe("a");
    read.access_token = "changed again";
    expect((await store.get("k"))?.access_token).toBe("a");
    expect(await store.get("other")).toBeUndefined();
    await store.delete("k");
    expect(await store.get("k")).toBeUndefined();
  });

  it("has no lock: nothing else reads it, so a refresh takes no lease", () => {
    expect("lock" in new OwnTokenStore()).toBe(false);
  });

  it("holds a SmartClient's session without a tokenStore: refresh, then logout forgets it", async () => {
    const server = await createFakeServer();
    const client = new SmartClient({
      smartConfig: server.config,
      clientId: "my-app",
      fhirBaseUrl: server.FHIR,
      fetch: server.fetch,
      tokens: { access_token: "a", token_type: "Bearer", refresh_token: "rt", expires_in: 300 },
    });
    server.next.push(() => json({ access_token: "b", token_type: "bearer", expires_in: 300, refresh_token: "rt2" }));
    expect((await client.refresh()).access_token).toBe("b");
    expect(await client.getAccessToken()).toBe("b");
    await client.logout();
    expect(client.token).toBeUndefined();
  });
});
