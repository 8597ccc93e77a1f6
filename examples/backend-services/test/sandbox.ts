import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { registerBackendClient } from "@fhir-dsl/smart-sandbox/testing";

export interface RemoteServer {
  sandbox: Sandbox;
  clientId: string;
  kid: string;
  privateKeyPem: string;
  keyFile: string;
  /** The env that points main at this server as at any real one. */
  env: Record<string, string>;
}

/** A sandbox standing in for a real SMART server, with a backend client registered under an ES384 key. */
export async function startRemoteServer(): Promise<RemoteServer> {
  const sandbox = await startSandbox({ port: 0 });
  const { clientId, kid, privateKeyPem } = await registerBackendClient(sandbox, {
    clientId: "registered-backend",
    kid: "test-key-1",
  });
  const keyFile = join(await mkdtemp(join(tmpdir(), "backend-services-")), "key.pem");
  await writeFile(keyFile, privateKeyPem, { mode: 0o600 });
  return {
    sandbox,
    clientId,
    kid,
    privateKeyPem,
    keyFile,
    env: { FHIR_BASE_URL: sandbox.fhirBaseUrl, CLIENT_ID: clientId, PRIVATE_KEY_FILE: keyFile, KID: kid },
  };
}
