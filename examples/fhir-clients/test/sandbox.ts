import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { BackendServicesAuth, revokeToken } from "@fhir-dsl/smart";
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

export interface RecordingServer {
  url: string;
  /** Headers of every request it received. */
  seen: { url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** A server on 127.0.0.1 outside the FHIR base that records what it is sent (E21: the token must never arrive). */
export async function startRecordingServer(): Promise<RecordingServer> {
  const seen: RecordingServer["seen"] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    res.writeHead(200, { "content-type": "application/fhir+json" }).end(JSON.stringify({ resourceType: "Bundle", type: "searchset", entry: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
