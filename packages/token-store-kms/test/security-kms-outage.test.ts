/**
 * A KMS outage mid-run (issue 9), with the real KMSClient reaching the local KMS through a TCP proxy
 * that can refuse every connection: FHIR requests keep their cached token (no KMS call on the hot path),
 * a renewal during the outage fails typed and retryable, and once KMS is back the token obtained during
 * the outage is stored and another process reads it; nothing acknowledged is lost. faults.test.ts covers
 * each KMS error code on its own.
 */
import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";
import { KMSClient } from "@aws-sdk/client-kms";
import { BackendServicesAuth, SmartAuthError } from "@fhir-dsl/smart";
import { InMemoryTokenStore } from "@fhir-dsl/token-store";
import { generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsEncryptedTokenStore, TokenStoreError } from "../src/index.js";
import { startLocalKms, type LocalKms } from "./fixtures/local-kms.js";
import { expectNoSecrets } from "./helpers.js";

const FHIR = "http://127.0.0.1:9/fhir";
const TOKEN_ENDPOINT = "http://127.0.0.1:9/token";

async function switchableProxy(targetPort: number) {
  let down = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = connect(targetPort, "127.0.0.1");
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    setDown(on: boolean) {
      down = on;
      if (on) for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let kms: LocalKms;
let proxy: Awaited<ReturnType<typeof switchableProxy>>;
beforeAll(async () => {
  kms = await startLocalKms();
  proxy = await switchableProxy(Number(new URL(kms.endpoint).port));
});
afterAll(async () => {
  await proxy.close();
  await kms.close();
});

describe("KMS outage mid-run under BackendServicesAuth", () => {
  it("hot path unaffected, renewal fails typed, the outage-time token is stored once KMS is back and another process reads it", { timeout: 30_000 }, async () => {
    const { privateKey } = await generateKeyPair("ES384");
    let issued = 0;
    const tokenEndpoint = (async () => {
      issued++;
      return new Response(JSON.stringify({ access_token: `AT-SECRET-${issued}-abcdefgh`, token_type: "bearer", expires_in: 300, scope: "system/Patient.rs" }), { headers: { "content-type": "application/json" } });
    }) as typeof fetch;
    const inner = new InMemoryTokenStore();
    const kmsClient = new KMSClient({ ...kms.clientConfig(), endpoint: proxy.endpoint, maxAttempts: 1 });
    const provider = () =>
      new BackendServicesAuth({
        issuer: FHIR,
        tokenEndpoint: TOKEN_ENDPOINT,
        clientId: "svc",
        scope: "system/Patient.rs",
        privateKey,
        alg: "ES384",
        fetch: tokenEndpoint,
        storeKey: "svc-token",
        // no data-key cache, so a write during the outage needs KMS (with the default cache it would not)
        tokenStore: new KmsEncryptedTokenStore({ kms: kmsClient, keyId: "alias/tokens", store: inner, timeoutMs: 1_000, dataKeyCache: false }),
      });
    const auth = provider();
    const url = `${FHIR}/Patient/1`;
    expect(await auth.getAuthorization({ url, method: "GET" })).toBe("Bearer AT-SECRET-1-abcdefgh");

    // KMS goes away: cached token still served, no KMS call, no store read
    proxy.setDown(true);
    try {
    kms.resetCounts();
    for (let i = 0; i < 1_000; i++) expect(auth.getAuthorization({ url, method: "GET" })).toBe("Bearer AT-SECRET-1-abcdefgh");
    expect(kms.calls.GenerateDataKey + kms.calls.Decrypt).toBe(0);

    // the server rejects the token (401): the renewal gets a token but cannot encrypt it
    auth.onUnauthorized();
    const error = await Promise.resolve(auth.getAuthorization({ url, method: "GET" })).then(() => undefined, (e: unknown) => e);
    expect(SmartAuthError.is(error) && error.code).toBe("token_store_error");
    expect(TokenStoreError.is((error as Error).cause) && (error as { cause: TokenStoreError }).cause.code).toBe("store_key_service");
    expect((error as SmartAuthError).retryable).toBe(true);
    expectNoSecrets(error, ["AT-SECRET-1-abcdefgh", "AT-SECRET-2-abcdefgh"]);
    expect(issued).toBe(2);

    } finally {
      // KMS back: the token obtained during the outage is stored, without another token request
      proxy.setDown(false);
    }
    expect(await auth.getAuthorization({ url, method: "GET" })).toBe("Bearer AT-SECRET-2-abcdefgh");
    expect(issued).toBe(2);
    const otherProcess = provider();
    expect(await otherProcess.getAuthorization({ url, method: "GET" })).toBe("Bearer AT-SECRET-2-abcdefgh");
    expect(issued).toBe(2);
  });

  it("while KMS stays down, each request retries the save and fails typed and retryable, without asking the token endpoint again; then recovers", { timeout: 30_000 }, async () => {
    const { privateKey } = await generateKeyPair("ES384");
    let issued = 0;
    const tokenEndpoint = (async () => {
      issued++;
      return new Response(JSON.stringify({ access_token: `AT-SECRET-${issued}-zyxwvuts`, token_type: "bearer", expires_in: 300 }), { headers: { "content-type": "application/json" } });
    }) as typeof fetch;
    const kmsClient = new KMSClient({ ...kms.clientConfig(), endpoint: proxy.endpoint, maxAttempts: 1 });
    const auth = new BackendServicesAuth({
      issuer: FHIR,
      tokenEndpoint: TOKEN_ENDPOINT,
      clientId: "svc2",
      scope: "system/Patient.rs",
      privateKey,
      alg: "ES384",
      fetch: tokenEndpoint,
      tokenStore: new KmsEncryptedTokenStore({ kms: kmsClient, keyId: "alias/tokens", store: new InMemoryTokenStore(), timeoutMs: 1_000, dataKeyCache: false }),
    });
    const url = `${FHIR}/Patient/1`;
    await auth.getAuthorization({ url, method: "GET" });
    proxy.setDown(true);
    try {
      auth.onUnauthorized();
      await Promise.resolve(auth.getAuthorization({ url, method: "GET" })).catch(() => undefined);
      // The core keeps an unsaved token out of use until it is stored (it may be a rotated refresh token's only
      // copy); for Backend Services that turns a store outage into failed requests (see SECURITY.md, availability).
      const outcomes = await Promise.all(
        Array.from({ length: 5 }, () => Promise.resolve(auth.getAuthorization({ url, method: "GET" })).then((h) => h, (e: unknown) => (SmartAuthError.is(e) ? e.code : String(e)))),
      );
      expect(outcomes).toEqual(Array(5).fill("token_store_error"));
      expect(issued).toBe(2);
    } finally {
      proxy.setDown(false);
    }
    expect(await auth.getAuthorization({ url, method: "GET" })).toBe("Bearer AT-SECRET-2-zyxwvuts");
    expect(issued).toBe(2);
  });
});
