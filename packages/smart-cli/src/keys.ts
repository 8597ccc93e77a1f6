import { createPrivateKey, type JsonWebKey as NodeJwk } from "node:crypto";
import { readFile } from "node:fs/promises";
import { CliError, UsageError } from "./io.js";

export interface SigningKey {
  privateKey: JsonWebKey;
  alg: "RS384" | "ES384";
  kid: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads the client's private key for Backend Services (SMART 2.2 backend-services.html): a PEM (PKCS#8,
 * PKCS#1 or SEC1), a private JWK, or a JWK Set (the key named by --kid, else the only private one).
 * Never puts key material in an error.
 */
export async function loadSigningKey(
  file: string,
  alg: string | undefined,
  kid: string | undefined,
): Promise<SigningKey> {
  if (alg !== undefined && alg !== "RS384" && alg !== "ES384")
    throw new UsageError("--alg must be RS384 or ES384 (SMART asymmetric client authentication)");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read the key file ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const bad = () =>
    new CliError(`${file} holds no usable private key`, "pass a PEM private key (PKCS#8) or a private JWK / JWK Set");
  const jwk = privateJwkOf(text.trim(), file, kid, bad);
  try {
    createPrivateKey({ key: jwk, format: "jwk" });
  } catch {
    throw bad();
  }
  const inferred = jwk.kty === "RSA" ? "RS384" : jwk.kty === "EC" && jwk.crv === "P-384" ? "ES384" : undefined;
  const chosenAlg = (alg ?? (typeof jwk.alg === "string" ? jwk.alg : undefined) ?? inferred) as
    | SigningKey["alg"]
    | undefined;
  if (chosenAlg !== "RS384" && chosenAlg !== "ES384")
    throw new CliError(
      `the key in ${file} is neither RSA nor EC P-384`,
      "SMART Backend Services signs with RS384 or ES384",
    );
  if (chosenAlg !== inferred)
    throw new CliError(
      `the key in ${file} cannot sign ${chosenAlg}`,
      `an ${chosenAlg === "RS384" ? "RSA" : "EC P-384"} key is needed for ${chosenAlg}`,
    );
  const keyId = kid ?? (typeof jwk.kid === "string" ? jwk.kid : undefined);
  if (!keyId) throw new UsageError("pass --kid: the key id registered with the server (the PEM carries none)");
  const {
    kid: _kid,
    alg: _alg,
    use: _use,
    key_ops: _ops,
    ...material
  } = jwk as NodeJwk & { use?: unknown; key_ops?: unknown };
  return { privateKey: material as JsonWebKey, alg: chosenAlg, kid: keyId };
}

/** The private JWK in a key file's text: a JWK, the one (or `kid`) private key of a JWK Set, or a PEM converted. */
function privateJwkOf(trimmed: string, file: string, kid: string | undefined, bad: () => CliError): NodeJwk {
  if (trimmed.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw bad();
    }
    const keys =
      isRecord(parsed) && Array.isArray(parsed.keys) ? parsed.keys.filter((k) => isRecord(k) && "d" in k) : [parsed];
    const chosen = (kid === undefined ? keys : keys.filter((k) => isRecord(k) && k.kid === kid))[0];
    if (!isRecord(chosen) || !("d" in chosen) || (kid === undefined && keys.length > 1)) {
      throw new CliError(
        `${file} holds ${keys.length > 1 && kid === undefined ? "several private keys: pick one with --kid" : `no private JWK${kid ? ` with kid ${kid}` : ""}`}`,
      );
    }
    return chosen as NodeJwk;
  }
  try {
    return createPrivateKey(trimmed).export({ format: "jwk" });
  } catch {
    throw bad();
  }
}
