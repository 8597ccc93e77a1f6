/**
 * A KMS outage mid-run (issue 9), with the real KMSClient reaching the local KMS through a TCP proxy
 * that can refuse every connection: FHIR requests keep their cached token (no KMS call on the hot path),
 * a renewal during the outage still serves its token (Backend Services can always fetch another, SECURITY.md
 * F8) and reports the store failure typed and retryable, and once KMS is back the token obtained during
 * the outage is stored in the background and another process reads it; nothing acknowledged is lost.
 * faults.test.ts covers each KMS error code on its own.
 */
import { KMSClient } from "@aws-sdk/client-kms";
import { BackendServicesAuth, SmartAuthError } from "@fhir-dsl/smart";
import { InMemoryTokenStore } from "@fhir-dsl/token-store";
import { generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsEncryptedTokenStore, TokenStoreError } from "../src/index.js";
import { startLocalKms, type LocalKms } from "@fhir-dsl/test-kms";
import { startTcpProxy, type TcpProxy } from "@fhir-dsl/test-net";
import { expectNoSecrets } from "./helpers.js";

const FHIR = "http://127.0.0.1:9/fhir";
const TOKEN_ENDPOINT = "http://127.0.0.1:9/token";

let kms: LocalKms;
let proxy: TcpProxy;
beforeAll(async () => {
  kms = await startLocalKms();
  proxy = await startTcpProxy(Number(new URL(kms.endpoint).port));
});
afterAll(async () => {
  await proxy.close();
  await kms.close();
});

/** What another process reads from `inner` through KMS, once the background save has landed (it retries after 0.5 s, 1 s, 2 s). */
async function storedAccessToken(inner: InMemoryTokenStore, key: string): Promise<string | undefined> {
  const reader = new KmsEncryptedTokenStore({
    kms: new KMSClient(kms.clientConfig()),
    keyId: "alias/tokens",
    store: inner,
  });
  let value: string | undefined;
  for (let i = 0; i < 100; i++) {
    value = (await reader.get(key))?.access_token;
    if (value?.startsWith("AT-SECRET-2-")) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return value;
}

describe("KMS outage mid-run under BackendServicesAuth", () => {
  it("hot path unaffected, the renewal is served and its store failure reported typed; the outage-time token is stored once KMS is back and another process reads it", {
    timeout: 30_000,
  }, async () => {
    const { privateKey } = await generateKeyPair("ES384");
    let issued = 0;
    const tokenEndpoint = (async () => {
      issued++;
      return new Response(
        JSON.stringify({
          access_token: `AT-SECRET-${issued}-abcdefgh`,
          token_type: "bearer",
          expires_in: 300,
          scope: "system/Patient.rs",
        }),
        { headers: { "content-type": "application/json" } },
      );
    }) as typeof fetch;
    const inner = new InMemoryTokenStore();
    const kmsClient = new KMSClient({ ...kms.clientConfig(), endpoint: proxy.endpoint, maxAttempts: 1 });
    const errors: unknown[] = [];
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
        tokenStore: new KmsEncryptedTokenStore({
          kms: kmsClient,
          keyId: "alias/tokens",
          store: inner,
          timeoutMs: 1_000,
          dataKeyCache: false,
        }),
        onStoreError: (e) => errors.push(e),
      });
    const auth = provider();
    const url = `${FHIR}/Patient/1`;
    expect(await auth.getAuthorization({ url, method: "GET" })).toBe("Bearer AT-SECRET-1-abcdefgh");

    // KMS goes away: cached token still served, no KMS call, no store read
    proxy.setDown(true);
    try {
      kms.resetCounts();
      for (let i = 0; i < 1_000; i++)
        expect(auth.getAuthorization({ url, method: "GET" })).toBe("Bearer AT-SECRET-1-abcdefgh");
      expect(kms.calls.GenerateDataKey + kms.calls.Decrypt).toBe(0);

      // the server rejects the token (401): the renewal gets a token it cannot encrypt, and serves it anyway
      auth.onUnauthorized();
      expect(await auth.getAuthorization({ url, method: "GET" })).toBe("Bearer AT-SECRET-2-abcdefgh");
      expect(issued).toBe(2);
      expect(errors.length).toBeGreaterThan(0);
      const error = errors.at(-1);
      expect(SmartAuthError.is(error) && error.code).toBe("token_store_error");
      expect(TokenStoreError.is((error as Error).cause) && (error as { cause: TokenStoreError }).cause.code).toBe(
        "store_key_service",
      );
      expect((error as SmartAuthError).retryable).toBe(true);
      for (const e of errors) expectNoSecrets(e, ["AT-SECRET-1-abcdefgh", "AT-SECRET-2-abcdefgh"]);
    } finally {
      // KMS back: the token obtained during the outage is stored in the background, without another token request
      proxy.setDown(false);
    }
    expect(await storedAccessToken(inner, "svc-token")).toBe("AT-SECRET-2-abcdefgh");
    expect(await auth.getAuthorization({ url, method: "GET" })).toBe("Bearer AT-SECRET-2-abcdefgh");
    const otherProcess = provider();
    expect(await otherProcess.getAuthorization({ url, method: "GET" })).toBe("Bearer AT-SECRET-2-abcdefgh");
    expect(issued).toBe(2);
  });

  it("while KMS stays down, requests are served from memory without asking the token endpoint again, the save is retried with backoff and reported each time; then it lands", {
    timeout: 30_000,
  }, async () => {
    const { privateKey } = await generateKeyPair("ES384");
    let issued = 0;
    const tokenEndpoint = (async () => {
      issued++;
      return new Response(
        JSON.stringify({ access_token: `AT-SECRET-${issued}-zyxwvuts`, token_type: "bearer", expires_in: 300 }),
        { headers: { "content-type": "application/json" } },
      );
    }) as typeof fetch;
    const kmsClient = new KMSClient({ ...kms.clientConfig(), endpoint: proxy.endpoint, maxAttempts: 1 });
    const inner = new InMemoryTokenStore();
    const errors: unknown[] = [];
    const auth = new BackendServicesAuth({
      issuer: FHIR,
      tokenEndpoint: TOKEN_ENDPOINT,
      clientId: "svc2",
      scope: "system/Patient.rs",
      privateKey,
      alg: "ES384",
      fetch: tokenEndpoint,
      storeKey: "svc2-token",
      tokenStore: new KmsEncryptedTokenStore({
        kms: kmsClient,
        keyId: "alias/tokens",
        store: inner,
        timeoutMs: 1_000,
        dataKeyCache: false,
      }),
      onStoreError: (e) => errors.push(e),
    });
    const url = `${FHIR}/Patient/1`;
    await auth.getAuthorization({ url, method: "GET" });
    proxy.setDown(true);
    try {
      auth.onUnauthorized();
      expect(await auth.getAuthorization({ url, method: "GET" })).toBe("Bearer AT-SECRET-2-zyxwvuts");
      const outcomes = await Promise.all(
        Array.from({ length: 5 }, () => auth.getAuthorization({ url, method: "GET" })),
      );
      expect(outcomes).toEqual(Array(5).fill("Bearer AT-SECRET-2-zyxwvuts"));
      const reported = errors.length;
      await new Promise((r) => setTimeout(r, 700)); // the first background retry (0.5 s) meets the outage
      expect(errors.length).toBeGreaterThan(reported);
      for (const e of errors) expect(e).toMatchObject({ code: "token_store_error", retryable: true });
      expect(issued).toBe(2);
    } finally {
      proxy.setDown(false);
    }
    expect(await storedAccessToken(inner, "svc2-token")).toBe("AT-SECRET-2-zyxwvuts");
    expect(await auth.getAuthorization({ url, method: "GET" })).toBe("Bearer AT-SECRET-2-zyxwvuts");
    expect(issued).toBe(2);
  });
});
