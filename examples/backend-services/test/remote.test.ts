import { exportPKCS8, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorLines, freePort, runMain } from "./helpers.js";
import { startRemoteServer, type RemoteServer } from "./sandbox.js";

let server: RemoteServer;
beforeAll(async () => {
  server = await startRemoteServer();
});
afterAll(async () => {
  await server?.sandbox.close();
});

describe("against a real server (FHIR_BASE_URL, CLIENT_ID, PRIVATE_KEY_FILE, KID)", () => {
  it("reads every Patient and Observation with the registered client (checklist 4)", async () => {
    const before = server.sandbox.stats.tokenRequestsByGrant.client_credentials ?? 0;
    const { code, stdout, stderr } = await runMain(server.env);
    expect(errorLines(stderr)).toEqual([]);
    expect(code).toBe(0);
    expect(stdout).toContain(`SMART Backend Services on ${server.sandbox.fhirBaseUrl}`);
    expect(stdout).toMatch(/client +registered-backend, private_key_jwt with ES384 key "test-key-1"/);
    expect(stdout).toMatch(/patients +5 in 1 page \(/);
    expect(stdout).toMatch(/observations +10 in 5 pages/);
    expect(server.sandbox.stats.tokenRequestsByGrant.client_credentials).toBe(before + 1);
  });

  it("takes the key inline in PRIVATE_KEY, one-line PEM with \\n escapes included", async () => {
    const { PRIVATE_KEY_FILE: _file, ...env } = server.env;
    const { code, stdout } = await runMain({
      ...env,
      PRIVATE_KEY: server.privateKeyPem.replace(/\n/g, "\\n"),
      SCOPE: "system/Patient.rs",
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/granted scope +system\/Patient\.rs$/m);
    expect(stdout).toMatch(/patients +5 in 1 page/);
    // checklist E1: the app reads only what the granted scope allows
    expect(stdout).toMatch(/observations +not read: the granted scope does not allow system\/Observation\.rs/);
  });
});

describe("clear one-line messages, exit code 1, no stack trace", () => {
  const expectOneLine = (result: { code: number | null; stdout: string; stderr: string }, message: RegExp) => {
    expect(result.code).toBe(1);
    const lines = errorLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr + result.stdout).not.toMatch(/BEGIN|PRIVATE KEY|eyJ[\w-]{10,}/);
  };

  it("a missing key file", async () => {
    const result = await runMain({ ...server.env, PRIVATE_KEY_FILE: "/nonexistent/backend-key.pem" });
    expectOneLine(
      result,
      /^backend-services: cannot read PRIVATE_KEY_FILE \/nonexistent\/backend-key\.pem: no such file$/,
    );
  });

  it("a wrong client id: the server's invalid_client (checklist E8)", async () => {
    const result = await runMain({ ...server.env, CLIENT_ID: "no-such-client" });
    expectOneLine(
      result,
      /^backend-services: the server refused the client \(invalid_client.*\); check CLIENT_ID, KID and the registered public key$/,
    );
  });

  it("a key the server does not know for this client: invalid_client too", async () => {
    const { privateKey } = await generateKeyPair("ES384", { extractable: true });
    const result = await runMain({
      ...server.env,
      PRIVATE_KEY_FILE: undefined,
      PRIVATE_KEY: await exportPKCS8(privateKey),
    });
    expectOneLine(result, /^backend-services: the server refused the client \(invalid_client/);
  });

  it("a server that is down: connection refused", async () => {
    const port = await freePort();
    const result = await runMain({ ...server.env, FHIR_BASE_URL: `http://127.0.0.1:${port}/fhir` });
    expectOneLine(
      result,
      new RegExp(
        `^backend-services: cannot reach the FHIR server at http://127\\.0\\.0\\.1:${port}/fhir \\(connection refused\\)$`,
      ),
    );
  });

  it("settings that are missing or wrong", async () => {
    expectOneLine(await runMain({ FHIR_BASE_URL: server.env.FHIR_BASE_URL }), /needs CLIENT_ID/);
    expectOneLine(
      await runMain({ FHIR_BASE_URL: server.env.FHIR_BASE_URL, CLIENT_ID: "x" }),
      /needs PRIVATE_KEY \(PKCS#8 PEM\) or PRIVATE_KEY_FILE/,
    );
    expectOneLine(
      await runMain({ ...server.env, PRIVATE_KEY_FILE: undefined, PRIVATE_KEY: "not a key" }),
      /not a PKCS#8 PEM P-384 EC key/,
    );
    expectOneLine(await runMain({ TOKEN_STORE: "disk" }), /TOKEN_STORE must be memory, redis or kms/);
  });
});
