// Every error kind the App Launch code throws, provoked against the sandbox with a fetch that harvests
// every secret on the wire (codes, verifiers, secrets, assertions, tokens); then each error is
// serialised (message, stack, own fields, toString, JSON, cause chain) and searched for them.
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildAuthorizeUrl,
  codeChallengeS256,
  discoverSmartConfiguration,
  exchangeCode,
  generateCodeVerifier,
  generateState,
  introspectToken,
  revokeToken,
  SmartAuthError,
  SmartClient,
  SmartLaunch,
  verifyIdToken,
  type SmartConfiguration,
  type StoredToken,
  type TokenStore,
} from "../src/index.js";
import {
  leaksIn,
  provokedCount,
  recordError,
  recordSecret,
  secretCount,
  serialiseError,
} from "./support/provoked-errors.js";

const REDIRECT = "http://127.0.0.1/callback";
const SECRET = "very-secret-client-secret";
let sandbox: Sandbox;
let smartConfig: SmartConfiguration;
const key = await generateKeyPair("ES384");
const wrongKey = await generateKeyPair("ES384");

// Records every secret that crosses the wire, in both directions.
const harvest: typeof fetch = async (input, init) => {
  const body = new URLSearchParams(
    typeof init?.body === "string" ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : "",
  );
  for (const name of ["code", "code_verifier", "client_secret", "client_assertion", "refresh_token", "token"])
    recordSecret(body.get(name) ?? undefined);
  recordSecret(new Headers(init?.headers).get("authorization")?.replace(/^(Basic|Bearer) /, ""));
  const response = await fetch(input, init);
  const json = await response
    .clone()
    .json()
    .catch(() => undefined);
  if (json && typeof json === "object")
    for (const name of ["access_token", "refresh_token", "id_token"])
      recordSecret((json as Record<string, string>)[name]);
  return response;
};

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  smartConfig = await discoverSmartConfiguration(sandbox.fhirBaseUrl);
  recordSecret(SECRET);
  await sandbox.registerClient({ clientId: "app", redirectUris: [REDIRECT] });
  await sandbox.registerClient({ clientId: "conf", clientSecret: SECRET, redirectUris: [REDIRECT] });
  await sandbox.registerClient({
    clientId: "jwt",
    jwks: { keys: [{ ...(await exportJWK(key.publicKey)), kid: "k", alg: "ES384" }] },
    redirectUris: [REDIRECT],
    grantTypes: ["authorization_code", "refresh_token"],
  });
});
afterAll(() => sandbox?.close());

async function login(clientId: string, auth: Record<string, unknown> = {}) {
  const codeVerifier = generateCodeVerifier();
  recordSecret(codeVerifier);
  const url = buildAuthorizeUrl({
    smartConfig,
    clientId,
    redirectUri: REDIRECT,
    scope: "launch/patient openid fhirUser patient/*.rs offline_access",
    state: generateState(),
    codeChallenge: await codeChallengeS256(codeVerifier),
    aud: sandbox.fhirBaseUrl,
  });
  const code = (await sandbox.authorize(url)).searchParams.get("code")!;
  recordSecret(code);
  return { code, codeVerifier, options: { smartConfig, clientId, redirectUri: REDIRECT, fetch: harvest, ...auth } };
}

const provoke = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (error) {
    return recordError(error);
  }
  throw new Error("expected an error");
};

describe("no secret in any error (ARCHITECTURE.md invariants)", () => {
  it("provokes every App Launch error kind, then finds no token, code, verifier, secret or assertion in any of them", async () => {
    const codes = new Set<string>();
    const note = (e: unknown) => SmartAuthError.is(e) && codes.add(e.code);

    // token endpoint errors: PKCE mismatch, code replay, wrong secret, wrong assertion key
    const a = await login("app");
    note(await provoke(exchangeCode({ ...a.options, code: a.code, codeVerifier: generateCodeVerifier() })));
    await exchangeCode({ ...a.options, code: a.code, codeVerifier: a.codeVerifier });
    note(await provoke(exchangeCode({ ...a.options, code: a.code, codeVerifier: a.codeVerifier })));
    const c = await login("conf", { clientSecret: "wrong-secret-value" });
    recordSecret("wrong-secret-value");
    note(await provoke(exchangeCode({ ...c.options, code: c.code, codeVerifier: c.codeVerifier })));
    const j = await login("jwt", { privateKey: wrongKey.privateKey, alg: "ES384", kid: "k" });
    note(await provoke(exchangeCode({ ...j.options, code: j.code, codeVerifier: j.codeVerifier })));

    // refresh: invalid_grant → reauthorization_required; HTML 502; reset; timeout
    const ok = await login("conf", { clientSecret: SECRET });
    const tokens: StoredToken = await exchangeCode({ ...ok.options, code: ok.code, codeVerifier: ok.codeVerifier });
    const smart = new SmartClient({ ...ok.options, tokens, clientSecret: SECRET, maxRetries: 0, timeoutMs: 200 });
    sandbox.faults.failTokenRequestsWithHtml(1, 502);
    note(await provoke(smart.refresh()));
    sandbox.faults.resetConnections(1);
    note(await provoke(smart.refresh()));
    sandbox.faults.delayTokenMs(400);
    note(await provoke(smart.refresh()));
    sandbox.faults.reset();
    sandbox.faults.invalidGrantOnNextRefresh();
    note(await provoke(smart.refresh()));
    note(await provoke(smart.getToken()));

    // launch / callback errors
    const launch = new SmartLaunch({
      clientId: "app",
      redirectUri: REDIRECT,
      scope: "openid fhirUser launch/patient",
      trustedIssuers: [sandbox.fhirBaseUrl],
      fetch: harvest,
      allowUnboundState: true,
    });
    note(await provoke(launch.ehrLaunch({ iss: "https://evil.example/fhir", launch: "x" })));
    const start = await launch.ehrLaunch({ iss: sandbox.fhirBaseUrl, launch: sandbox.createLaunch() });
    const redirect = await sandbox.authorize(start.url);
    recordSecret(redirect.searchParams.get("code") ?? undefined);
    const wrongState = new URL(redirect);
    wrongState.searchParams.set("state", generateState());
    note(await provoke(launch.handleCallback(wrongState)));
    const noCode = new URL(redirect);
    noCode.searchParams.delete("code");
    note(await provoke(launch.handleCallback(noCode)));
    sandbox.faults.denyNextAuthorization("access_denied");
    const denied = await launch.ehrLaunch({ iss: sandbox.fhirBaseUrl, launch: sandbox.createLaunch() });
    note(await provoke(async () => launch.handleCallback(await sandbox.authorize(denied.url))));

    // id_token, introspection, revocation, insecure URLs, store failures
    note(await provoke(verifyIdToken(tokens.id_token!, { smartConfig, clientId: "someone-else" })));
    note(
      await provoke(introspectToken({ ...ok.options, token: tokens.access_token, clientSecret: "wrong-secret-value" })),
    );
    note(
      await provoke(
        revokeToken({
          ...ok.options,
          smartConfig: { ...smartConfig, revocation_endpoint: undefined },
          token: tokens.access_token,
        }),
      ),
    );
    note(
      await provoke(
        exchangeCode({
          ...a.options,
          smartConfig: { ...smartConfig, token_endpoint: "http://ehr.example/token" },
          code: "c-123456",
          codeVerifier: a.codeVerifier,
        }),
      ),
    );
    const broken: TokenStore = {
      get: async () => {
        throw new Error("store down");
      },
      set: async () => {
        throw new Error("store down");
      },
      delete: async () => undefined,
    };
    note(
      await provoke(SmartClient.restore({ smartConfig, clientId: "conf", tokenStore: broken, storeKey: "smart:x" })),
    );
    const failingSave = new SmartClient({
      ...ok.options,
      tokens: { ...tokens, expires_at: Date.now() + 600_000 },
      tokenStore: broken,
      storeKey: "smart:y",
    });
    note(await provoke(failingSave.getToken()));

    expect([...codes].sort()).toEqual(
      [
        "authorization_denied",
        "insecure_url",
        "introspection_error",
        "invalid_callback",
        "invalid_id_token",
        "invalid_state",
        "network_error",
        "reauthorization_required",
        "timeout",
        "token_endpoint_error",
        "token_store_error",
        "unsupported_by_server",
        "untrusted_issuer",
      ].sort(),
    );
    expect(provokedCount()).toBeGreaterThanOrEqual(19);
    expect(secretCount()).toBeGreaterThanOrEqual(20);
    expect(leaksIn()).toEqual([]);
    // and the serialisation really covers what a logger would print
    const sample = serialiseError(new SmartAuthError("m", { code: "timeout", cause: new Error("inner-cause-text") }));
    expect(sample).toContain("inner-cause-text");
  });
});
