// Issue 20 item 6 (size): what a public browser client never uses loads through import() on first use, so a
// bundler leaves it out of the app's start bundle. Each lazily loaded module records its first load here.
import { describe, expect, it, vi } from "vitest";
import { codeChallengeS256, generateCodeVerifier, generateState } from "@fhir-dsl/smart-pkce";
import { InMemoryTokenStore, type TokenStore } from "@fhir-dsl/token-store";
// from the modules themselves, not the entry: the entry re-exports introspectToken and revokeToken statically
import { buildAuthorizeUrl } from "../src/authorize.js";
import type { ClientAuthShorthand } from "../src/client-auth.js";
import { exchangeCode } from "../src/exchange.js";
import { SmartClient } from "../src/smart-client.js";
import { createFakeServer, type FakeServer } from "./support/fake-smart-server.js";

const loaded = vi.hoisted(() => new Set<string>());
vi.mock("../src/confidential-auth.js", async (original) => (loaded.add("confidential-auth"), original()));
vi.mock("../src/introspection.js", async (original) => (loaded.add("introspection"), original()));
vi.mock("../src/revocation.js", async (original) => (loaded.add("revocation"), original()));

async function session(server: FakeServer, auth: ClientAuthShorthand = {}, tokenStore?: TokenStore) {
  const codeVerifier = generateCodeVerifier();
  const redirectUri = "https://app.example.com/cb";
  const url = buildAuthorizeUrl({
    smartConfig: server.config,
    clientId: "my-app",
    redirectUri,
    scope: "launch/patient openid fhirUser patient/*.rs offline_access",
    state: generateState(),
    codeChallenge: await codeChallengeS256(codeVerifier),
    aud: server.FHIR,
  });
  const code = server.authorize(url, { patient: "123" }).searchParams.get("code")!;
  const tokens = await exchangeCode({
    smartConfig: server.config,
    clientId: "my-app",
    redirectUri,
    code,
    codeVerifier,
    fetch: server.fetch,
    ...auth,
  });
  const store = tokenStore ? { tokenStore, storeKey: `smart:${generateState()}` } : {};
  return new SmartClient({
    smartConfig: server.config,
    clientId: "my-app",
    fhirBaseUrl: server.FHIR,
    tokens,
    fetch: server.fetch,
    ...auth,
    ...store,
  });
}

// The cases run in order: the module registry is this file's, and a module, once loaded, stays loaded.
describe("lazily loaded parts (issue 20 item 6: a public browser client's start bundle)", () => {
  it("a public client with its own store: launch, exchange, id_token, requests and refresh load none of them", async () => {
    const server = await createFakeServer();
    const client = await session(server);
    await client.getAccessToken();
    await client.refresh();
    expect(client.fhirUser).toBeDefined();
    expect([...loaded]).toEqual([]);
  });

  it("a public client over a store without a lock (like web storage) loads none of them either", async () => {
    const server = await createFakeServer();
    const inner = new InMemoryTokenStore();
    const unlocked: TokenStore = {
      get: (k) => inner.get(k),
      set: (k, v) => inner.set(k, v),
      delete: (k) => inner.delete(k),
    };
    await (await session(server, {}, unlocked)).refresh();
    expect([...loaded]).toEqual([]);
  });

  it("revoke() loads revocation (and the endpoint call it shares with introspection) on first use", async () => {
    const server = await createFakeServer();
    await (await session(server)).revoke();
    expect([...loaded].sort()).toEqual(["introspection", "revocation"]);
  });

  it("a confidential client loads its client authentication", async () => {
    const server = await createFakeServer();
    const client = await session(server, { clientSecret: "basic-secret" }, new InMemoryTokenStore());
    expect(loaded.has("confidential-auth")).toBe(true);
    await client.refresh();
  });
});
