import { readFile } from "node:fs/promises";

export type StoreKind = "memory" | "redis" | "kms";
export type KeyAlg = "ES384" | "RS384";

/** Everything the run needs, from the environment. Without FHIR_BASE_URL the sandbox runs in-process. */
export interface Config {
  /** The real server; undefined on embedded defaults. */
  server?: { fhirBaseUrl: string; clientId: string };
  /** PKCS#8 PEM from PRIVATE_KEY or PRIVATE_KEY_FILE; generated when embedded and not given. */
  privateKeyPem?: string;
  kid?: string;
  alg: KeyAlg;
  scope: string;
  pageSize: number;
  tokenStore: StoreKind;
  redisUrl?: string;
  kms?: { keyId: string; endpoint?: string; region: string };
  /** SIGNER=kms: sign assertions with AWS KMS; no keyId = a local KMS endpoint started in-process (embedded only). */
  kmsSigner?: { keyId?: string; endpoint?: string; region: string };
  allowInsecureRequests: boolean;
}

/** A problem the user fixes in their settings: printed as one line, no stack. */
export class UsageError extends Error {
  override name = "UsageError";
}

type Env = Record<string, string | undefined>;

const DEFAULT_SCOPE = "system/Patient.rs system/Observation.rs";

export async function loadConfig(env: Env = process.env): Promise<Config> {
  const value = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);

  const alg = value("ALG") ?? "ES384";
  if (alg !== "ES384" && alg !== "RS384") throw new UsageError(`ALG must be ES384 or RS384, got "${alg}"`);

  const tokenStore = value("TOKEN_STORE") ?? "memory";
  if (tokenStore !== "memory" && tokenStore !== "redis" && tokenStore !== "kms") {
    throw new UsageError(`TOKEN_STORE must be memory, redis or kms, got "${tokenStore}"`);
  }
  const redisUrl = value("REDIS_URL");
  if (tokenStore === "redis" && !redisUrl)
    throw new UsageError("TOKEN_STORE=redis needs REDIS_URL, e.g. redis://127.0.0.1:6379");
  const kmsKeyId = value("KMS_KEY_ID");
  if (tokenStore === "kms" && !kmsKeyId)
    throw new UsageError("TOKEN_STORE=kms needs KMS_KEY_ID (a key id, ARN or alias/...)");

  const signer = value("SIGNER") ?? "key";
  if (signer !== "key" && signer !== "kms") throw new UsageError(`SIGNER must be key or kms, got "${signer}"`);
  const signingKeyId = value("KMS_SIGNING_KEY_ID");
  if (signer === "kms" && value("FHIR_BASE_URL") && !signingKeyId) {
    throw new UsageError(
      "SIGNER=kms with FHIR_BASE_URL needs KMS_SIGNING_KEY_ID (the KMS key whose public key the server holds)",
    );
  }

  const pageSize = Number(value("PAGE_SIZE") ?? (value("FHIR_BASE_URL") ? 100 : 2));
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new UsageError("PAGE_SIZE must be a positive integer");

  const privateKeyPem = await readPrivateKey(value("PRIVATE_KEY"), value("PRIVATE_KEY_FILE"));
  const fhirBaseUrl = value("FHIR_BASE_URL");
  let server: Config["server"];
  if (fhirBaseUrl) {
    if (!URL.canParse(fhirBaseUrl)) throw new UsageError(`FHIR_BASE_URL is not an absolute URL: "${fhirBaseUrl}"`);
    const clientId = value("CLIENT_ID");
    if (!clientId) throw new UsageError("FHIR_BASE_URL needs CLIENT_ID (the client id registered at that server)");
    if (!privateKeyPem && signer !== "kms")
      throw new UsageError("FHIR_BASE_URL needs PRIVATE_KEY (PKCS#8 PEM) or PRIVATE_KEY_FILE");
    server = { fhirBaseUrl, clientId };
  }

  return {
    ...(server ? { server } : {}),
    ...(privateKeyPem ? { privateKeyPem } : {}),
    ...(value("KID") ? { kid: value("KID")! } : {}),
    alg,
    scope: value("SCOPE") ?? DEFAULT_SCOPE,
    pageSize,
    tokenStore,
    ...(redisUrl ? { redisUrl } : {}),
    ...(tokenStore === "kms"
      ? {
          kms: {
            keyId: kmsKeyId!,
            region: value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1",
            ...(value("KMS_ENDPOINT") ? { endpoint: value("KMS_ENDPOINT")! } : {}),
          },
        }
      : {}),
    ...(signer === "kms"
      ? {
          kmsSigner: {
            region: value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1",
            ...(signingKeyId ? { keyId: signingKeyId } : {}),
            ...(value("KMS_ENDPOINT") ? { endpoint: value("KMS_ENDPOINT")! } : {}),
          },
        }
      : {}),
    allowInsecureRequests: value("ALLOW_INSECURE_HTTP") === "1",
  };
}

async function readPrivateKey(inline: string | undefined, file: string | undefined): Promise<string | undefined> {
  if (inline) return inline.replace(/\\n/g, "\n"); // env files often carry the PEM on one line with \n escapes
  if (!file) return undefined;
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : "unreadable";
    throw new UsageError(`cannot read PRIVATE_KEY_FILE ${file}: ${why}`);
  }
}
