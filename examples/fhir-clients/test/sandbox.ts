import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import {
  BackendServicesAuth,
  buildAuthorizeUrl,
  codeChallengeS256,
  discoverSmartConfiguration,
  exchangeCode,
  generateCodeVerifier,
  generateState,
  revokeToken,
  SmartClient,
} from "@fhir-dsl/smart";
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";

export const CLIENT_ID = "backend-client-id";
export const KID = "key-1";
export const SCOPE = "system/Patient.rs system/Observation.rs";

export interface BackendServer {
  sandbox: Sandbox;
  /** PKCS#8 PEM of the registered client's ES384 key. */
  privateKeyPem: string;
  /** A new provider for the registered backend client (no token yet). */
  newAuth(): BackendServicesAuth;
  /** Revokes `token` at the sandbox's revocation endpoint (RFC 7009), as an admin or another process would. */
  revoke(token: string): Promise<void>;
}

/** The sandbox with one Backend Services client registered under an ES384 key. */
export async function startBackendServer(): Promise<BackendServer> {
  const { publicKey, privateKey } = await generateKeyPair("ES384", { extractable: true });
  const sandbox = await startSandbox({
    port: 0,
    clients: [{ clientId: CLIENT_ID, jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: KID, alg: "ES384" }] } }],
  });
  const privateKeyPem = await exportPKCS8(privateKey);
  const options = { clientId: CLIENT_ID, privateKey: privateKeyPem, alg: "ES384" as const, kid: KID };
  return {
    sandbox,
    privateKeyPem,
    newAuth: () => new BackendServicesAuth({ issuer: sandbox.fhirBaseUrl, scope: SCOPE, ...options }),
    revoke: async (token) => {
      const smartConfig = await (await fetch(`${sandbox.fhirBaseUrl}/.well-known/smart-configuration`)).json();
      await revokeToken({ smartConfig, token, tokenTypeHint: "access_token", ...options });
    },
  };
}

const APP = { clientId: "my-app", redirectUri: "https://app.example.com/callback" };

/** An App Launch (EHR launch of `patient`, public client, PKCE) run to its SmartClient, the browser step played by the sandbox. */
export async function launchSmartClient(sandbox: Sandbox, patient: string): Promise<SmartClient> {
  await sandbox.registerClient({ clientId: APP.clientId, redirectUris: [APP.redirectUri] });
  const smartConfig = await discoverSmartConfiguration(sandbox.fhirBaseUrl);
  const codeVerifier = generateCodeVerifier();
  const url = buildAuthorizeUrl({
    smartConfig,
    ...APP,
    scope: "launch patient/Patient.rs patient/Observation.rs offline_access",
    state: generateState(),
    codeChallenge: await codeChallengeS256(codeVerifier),
    aud: sandbox.fhirBaseUrl,
    launch: sandbox.createLaunch({ patient }),
  });
  const code = (await sandbox.authorize(url)).searchParams.get("code")!;
  const tokens = await exchangeCode({ smartConfig, ...APP, code, codeVerifier });
  return new SmartClient({ smartConfig, clientId: APP.clientId, tokens });
}

export interface RecordingServer {
  url: string;
  /** Headers of every request it received. */
  seen: { url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/**
 * A server on 127.0.0.1 that records what it is sent: outside the sandbox's FHIR base, the token must never
 * arrive (E21). Used as a FHIR base of its own, it redirects `/fhir/…` to `/elsewhere/…` on the same origin.
 */
export async function startRecordingServer(): Promise<RecordingServer> {
  const seen: RecordingServer["seen"] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    if (req.url?.startsWith("/fhir/")) {
      res.writeHead(302, { location: `/elsewhere/${req.url.slice("/fhir/".length)}` }).end();
      return;
    }
    res
      .writeHead(200, { "content-type": "application/fhir+json" })
      .end(JSON.stringify({ resourceType: "Bundle", type: "searchset", entry: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
