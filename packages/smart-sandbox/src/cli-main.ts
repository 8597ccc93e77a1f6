import { parseArgs } from "node:util";
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { startSandbox } from "./sandbox.js";
import type { Sandbox } from "./types.js";

export const CLI_USAGE = `Usage: smart-sandbox [--port 4010] [--fhir-base-path /fhir] [--legacy-discovery] [--quiet]

Starts an offline SMART on FHIR server (authorization server + FHIR endpoint) on 127.0.0.1
and prints its URLs and ready-to-use example clients. Stop it with Ctrl-C.
--legacy-discovery serves a SMART v1 server: endpoints only in the CapabilityStatement
(metadata), .well-known/smart-configuration answers 404.`;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** Parses the arguments, starts the sandbox with three example clients and prints how to use them. */
export async function runCli(argv: string[], io: CliIo): Promise<Sandbox | undefined> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string", short: "p", default: "0" },
      "fhir-base-path": { type: "string", default: "/fhir" },
      quiet: { type: "boolean", short: "q", default: false },
      "legacy-discovery": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    io.out(CLI_USAGE);
    return undefined;
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) {
    throw new TypeError(`--port must be an integer 0-65535\n\n${CLI_USAGE}`);
  }

  const { privateKey, publicKey } = await generateKeyPair("ES384", { extractable: true });
  const kid = "backend-key-1";
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "ES384", use: "sig" };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "ES384", use: "sig" };
  const privatePem = await exportPKCS8(privateKey);
  const secret = `secret-${crypto.randomUUID()}`;

  const sandbox = await startSandbox({
    port,
    fhirBasePath: values["fhir-base-path"],
    discovery: values["legacy-discovery"] ? "legacy" : "well-known",
    logger: values.quiet ? undefined : (line) => io.err(`[refused] ${line}`),
  });
  const redirectUris = ["http://127.0.0.1:3000/callback", "http://localhost:3000/callback"];
  await sandbox.registerClient({ clientId: "public-app", redirectUris });
  await sandbox.registerClient({ clientId: "confidential-app", clientSecret: secret, redirectUris });
  await sandbox.registerClient({ clientId: "backend-service", jwks: { keys: [publicJwk] } });

  io.out(`SMART sandbox running

  FHIR base             ${sandbox.fhirBaseUrl}
  ${values["legacy-discovery"] ? `metadata (legacy)     ${sandbox.fhirBaseUrl}/metadata (no .well-known/smart-configuration)` : `smart-configuration   ${sandbox.fhirBaseUrl}/.well-known/smart-configuration`}
  issuer                ${sandbox.issuer}
  authorize             ${sandbox.authorizationEndpoint}
  token                 ${sandbox.tokenEndpoint}
  EHR launch            ${sandbox.ehrLaunchEndpoint}?app=<your app's launch URL>

Example clients (redirect URIs: ${redirectUris.join(", ")})
  public                client_id=public-app
  symmetric             client_id=confidential-app  client_secret=${secret}
  backend (ES384)       client_id=backend-service   kid=${kid}  scope e.g. "system/*.rs"
    private JWK: ${JSON.stringify(privateJwk)}
    private key PEM (copy the lines from BEGIN to END as they are):
${privatePem.trim()}

Press Ctrl-C to stop.`);
  return sandbox;
}
