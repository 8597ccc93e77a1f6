// The seed README's App Launch, Token Storage and Error Handling examples, nearly verbatim, against the
// sandbox. Changes: sandbox URLs; the browser step is sandbox.authorize(url); the scope adds
// patient/Patient.rs because the sandbox enforces scopes and the example then reads the Patient.
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  discoverSmartConfiguration,
  generateCodeVerifier,
  codeChallengeS256,
  generateState,
  buildAuthorizeUrl,
  exchangeCode,
  SmartClient,
  SmartAuthError,
} from "../src/index.js";
import type { TokenStore, StoredToken } from "../src/index.js";
import { createFhirClient } from "./support/fake-core.js";
import { checkNoLeaksAfterAll, recordError } from "./support/provoked-errors.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  await sandbox.registerClient({ clientId: "my-app", redirectUris: ["https://app.example.com/callback"] });
});
afterAll(() => sandbox?.close());

/** A browser visit to the authorize URL; returns the `code` of the redirect. */
async function browser(url: string): Promise<string> {
  return (await sandbox.authorize(url)).searchParams.get("code")!;
}

describe("seed README examples (App Launch, Token Storage, Error Handling)", () => {
  it("App Launch (OAuth2 + PKCE): discovery, PKCE, authorize URL, exchange, SmartClient, FHIR read (checklist 2.20-2.43)", async () => {
    const ehrLaunchToken = sandbox.createLaunch({ patient: "patient-2" });

    // 1. Discover endpoints from /.well-known/smart-configuration
    const smartConfig = await discoverSmartConfiguration(sandbox.fhirBaseUrl);

    // 2. Generate PKCE verifier + CSRF state, stash them in session
    const verifier = generateCodeVerifier();
    const challenge = await codeChallengeS256(verifier);
    const state = generateState();

    // 3. Redirect the browser to the authorize URL
    const url = buildAuthorizeUrl({
      smartConfig,
      clientId: "my-app",
      redirectUri: "https://app.example.com/callback",
      scope: "launch/patient openid fhirUser patient/Observation.rs patient/Patient.rs offline_access",
      state,
      codeChallenge: challenge,
      aud: sandbox.fhirBaseUrl,
      launch: ehrLaunchToken, // EHR launch only
    });
    const codeFromQuery = await browser(url);

    // 4. In the callback: exchange the code for tokens
    const tokens = await exchangeCode({
      smartConfig,
      clientId: "my-app",
      redirectUri: "https://app.example.com/callback",
      code: codeFromQuery,
      codeVerifier: verifier,
    });

    // 5. Wrap in a SmartClient — auto-refreshes on expiry
    const smart = new SmartClient({ smartConfig, clientId: "my-app", tokens });

    const fhir = createFhirClient({
      baseUrl: sandbox.fhirBaseUrl,
      auth: smart,
    });

    // Launch context is available on the client
    const patient = await fhir.read("Patient", smart.patientId!).execute();

    expect(patient).toMatchObject({ resourceType: "Patient", id: "patient-2" });
    expect(smart.scopes.allows("read", "Observation", "patient")).toBe(true);
    expect(smart.fhirUser).toMatch(/\/Practitioner\/practitioner-1$/);
    expect(tokens.expires_at).toBeGreaterThan(Date.now());
  });

  it("Token Storage: SmartClient with a custom encrypting TokenStore and storeKey", async () => {
    const smartConfig = await discoverSmartConfiguration(sandbox.fhirBaseUrl);
    const verifier = generateCodeVerifier();
    const url = buildAuthorizeUrl({
      smartConfig,
      clientId: "my-app",
      redirectUri: "https://app.example.com/callback",
      scope: "launch/patient patient/Patient.rs offline_access",
      state: generateState(),
      codeChallenge: await codeChallengeS256(verifier),
      aud: sandbox.fhirBaseUrl,
    });
    const tokens = await exchangeCode({
      smartConfig,
      clientId: "my-app",
      redirectUri: "https://app.example.com/callback",
      code: await browser(url),
      codeVerifier: verifier,
    });
    const userId = "user-7";

    const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    const rows = new Map<string, Uint8Array>();
    class EncryptedStore implements TokenStore {
      async get(key_: string): Promise<StoredToken | undefined> {
        const row = rows.get(key_);
        if (!row) return undefined;
        const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: row.slice(0, 12) }, key, row.slice(12));
        return JSON.parse(new TextDecoder().decode(plain));
      }
      async set(key_: string, value: StoredToken): Promise<void> {
        const iv = crypto.getRandomValues(new Uint8Array(12));
        const sealed = new Uint8Array(
          await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(JSON.stringify(value))),
        );
        rows.set(key_, new Uint8Array([...iv, ...sealed]));
      }
      async delete(key_: string): Promise<void> {
        rows.delete(key_);
      }
    }

    const smart = new SmartClient({
      smartConfig,
      clientId: "my-app",
      tokens,
      tokenStore: new EncryptedStore(),
      storeKey: `smart:${userId}`,
    });

    const fhir = createFhirClient({ baseUrl: sandbox.fhirBaseUrl, auth: smart });
    expect(await fhir.read("Patient", smart.patientId!).execute()).toMatchObject({ resourceType: "Patient" });
    const row = rows.get("smart:user-7");
    expect(row).toBeDefined();
    expect(new TextDecoder().decode(row)).not.toContain(tokens.access_token);
    await smart.refresh();
    const restored = await SmartClient.restore({
      smartConfig,
      clientId: "my-app",
      tokenStore: new EncryptedStore(),
      storeKey: `smart:${userId}`,
    });
    expect(restored?.token?.access_token).toBe(smart.token?.access_token);
  });

  it("Error Handling: SmartAuthError carries error, errorDescription and status", async () => {
    const smartConfig = await discoverSmartConfiguration(sandbox.fhirBaseUrl);
    const logged: unknown[][] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(args));
    try {
      await exchangeCode({
        smartConfig,
        clientId: "my-app",
        redirectUri: "https://app.example.com/callback",
        code: "not-a-real-code",
        codeVerifier: generateCodeVerifier(),
      });
    } catch (err) {
      recordError(err);
      if (err instanceof SmartAuthError) {
        console.error(err.error, err.errorDescription, err.status);
      }
    } finally {
      spy.mockRestore();
    }
    expect(logged).toEqual([["invalid_grant", expect.any(String), 400]]);
  });
});

checkNoLeaksAfterAll();
