import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const exampleDir = fileURLToPath(new URL("..", import.meta.url));
const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));

/** Settings of ours that must not leak in from the developer's shell or CI. */
const OURS = [
  "FHIR_BASE_URL",
  "CLIENT_ID",
  "PRIVATE_KEY",
  "PRIVATE_KEY_FILE",
  "KID",
  "ALG",
  "SCOPE",
  "TOKEN_STORE",
  "KMS_ENDPOINT",
  "KMS_KEY_ID",
  "PAGE_SIZE",
  "DEBUG",
  "SIGNER",
  "KMS_SIGNING_KEY_ID",
];

export interface MainResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `tsx src/main.ts` as `pnpm start` does, with `env` over a cleaned copy of ours. */
export async function runMain(env: Record<string, string | undefined> = {}): Promise<MainResult> {
  const base: Record<string, string | undefined> = { ...process.env, REDIS_URL: undefined };
  for (const name of OURS) delete base[name];
  const child = spawn(tsx, ["src/main.ts"], { cwd: exampleDir, env: { ...base, ...env } as NodeJS.ProcessEnv });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

/** Lines of stderr without the harmless runtime notice oidc-provider may print. */
export function errorLines(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((line) => line.trim() && !/Unsupported runtime|oidc-provider|^\s+at |Node\.js/i.test(line));
}

export { freePort, redisForTests } from "@fhir-dsl/test-redis";
