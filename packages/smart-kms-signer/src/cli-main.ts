// smart-kms-jwks: print the JWKS of AWS KMS signing keys, to register with a SMART server or publish.
import { parseArgs } from "node:util";
import { KMSClient } from "@aws-sdk/client-kms";
import { getKmsJwks } from "./kms-signer.js";

const USAGE = `Usage: smart-kms-jwks --key-id <id|arn|alias> [--key-id ...] [--alg ES384|RS384] [--kid <kid>] [--region <region>] [--endpoint <url>]
Prints {"keys":[...]} for the keys (kid: RFC 7638 thumbprint unless --kid). Credentials come from the AWS SDK's default chain.`;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Run the command with `argv` (without node and the script); returns the exit code. */
export async function runCli(
  argv: string[],
  io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        "key-id": { type: "string", multiple: true },
        alg: { type: "string", default: "ES384" },
        kid: { type: "string" },
        region: { type: "string" },
        endpoint: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const keyIds = values["key-id"] ?? [];
  if (
    values.help ||
    keyIds.length === 0 ||
    (values.alg !== "ES384" && values.alg !== "RS384") ||
    (values.kid && keyIds.length > 1)
  ) {
    io.err(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const kms = new KMSClient({
    ...(values.region ? { region: values.region } : {}),
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
  });
  try {
    const alg = values.alg as "ES384" | "RS384";
    const jwks = await getKmsJwks(
      ...keyIds.map((keyId) => ({ kms, keyId, alg, ...(values.kid ? { kid: values.kid } : {}) })),
    );
    io.out(`${JSON.stringify(jwks, null, 2)}\n`);
    return 0;
  } catch (error) {
    io.err(`smart-kms-jwks: ${(error as Error).message}\n`);
    return 1;
  } finally {
    kms.destroy();
  }
}
