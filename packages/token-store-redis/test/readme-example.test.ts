// Issue 19 (newcomer): the README's example type-checks and runs as written; its install line names every package it imports.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { exportPKCS8, exportJWK, generateKeyPair } from "jose";
import ts from "typescript";
import { describe, expect, inject, it } from "vitest";
import { sharedClient } from "./helpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const readme = await readFile(join(here, "../README.md"), "utf8");
const example = /## Example\n\n```ts\n([\s\S]*?)```/.exec(readme)![1]!;
const installLine = /```sh\n(npm install [^\n]*)\n```/.exec(readme)![1]!;

describe("token-store-redis README (issue 19)", () => {
  it("the install line names every package the example imports", () => {
    const imported = [...example.matchAll(/from "([^"]+)"/g)].map((m) => m[1]!);
    expect(imported.length).toBeGreaterThanOrEqual(4);
    const installed = installLine.split(/\s+/).slice(2);
    for (const name of imported) expect(installed, `${name} is imported but not installed`).toContain(name);
  });

  it("the example type-checks (privateKey is a CryptoKey, not a PEM string)", { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(here, ".readme-"));
    try {
      const file = join(dir, "example.ts");
      await writeFile(file, `${example}\nexport {};\n`);
      const program = ts.createProgram([file], {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
        types: ["node"],
        strict: true,
        skipLibCheck: true,
        noEmit: true,
      });
      const diagnostics = ts
        .getPreEmitDiagnostics(program)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      expect(diagnostics).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the example runs as written against the sandbox and a real Redis, and the token lands in Redis", {
    timeout: 60_000,
  }, async () => {
    const { startSandbox } = await import("@fhir-dsl/smart-sandbox");
    const sandbox = await startSandbox({ port: 0 });
    const { privateKey, publicKey } = await generateKeyPair("ES384", { extractable: true });
    await sandbox.registerClient({
      clientId: "my-service",
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: "key-1", alg: "ES384" }] },
    });
    const env = {
      REDIS_URL: inject("redisUrl"),
      FHIR_BASE_URL: sandbox.fhirBaseUrl,
      CLIENT_ID: "my-service",
      PRIVATE_KEY_PEM: await exportPKCS8(privateKey),
      KID: "key-1",
    };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const dir = await mkdtemp(join(here, ".readme-"));
    const check = sharedClient();
    try {
      const file = join(dir, "example.ts");
      // as written, plus one line handing its objects to the test
      await writeFile(file, `${example}\nexport { redis, authorization };\n`);
      const ran = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as {
        redis: { disconnect(): void };
        authorization: string | undefined;
      };
      ran.redis.disconnect();
      expect(ran.authorization).toMatch(/^Bearer /);
      const keys = await check.keys("my-service:token:*");
      expect(keys.length).toBeGreaterThan(0);
      await check.del(...keys);
    } finally {
      process.env = saved;
      check.disconnect();
      await rm(dir, { recursive: true, force: true });
      await sandbox.close();
    }
  });
});
