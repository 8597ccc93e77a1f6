import { importJWK, importPKCS8, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { CLI_USAGE, runCli } from "../src/cli-main.js";
import { tokenPost } from "./helpers.js";

describe("smart-sandbox CLI", () => {
  it("prints the URLs and example clients that work as printed", async () => {
    const out: string[] = [];
    const sandbox = await runCli(["--port", "0", "--quiet"], { out: (t) => out.push(t), err: (t) => out.push(t) });
    try {
      const text = out.join("\n");
      expect(text).toContain(sandbox!.fhirBaseUrl);
      expect(text).toContain(sandbox!.tokenEndpoint);
      expect(text).toContain("client_id=public-app");
      const secret = /client_secret=(\S+)/.exec(text)![1]!;
      const basic = await tokenPost(
        sandbox!,
        { grant_type: "refresh_token", refresh_token: "x" },
        { authorization: `Basic ${btoa(`confidential-app:${secret}`)}` },
      );
      expect(basic.body.error).toBe("invalid_grant");
      const jwk = JSON.parse(/private JWK: (\{.*\})/.exec(text)![1]!);
      const key = await importJWK(jwk, "ES384");
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: "ES384", kid: jwk.kid, typ: "JWT" })
        .setIssuer("backend-service")
        .setSubject("backend-service")
        .setAudience(sandbox!.tokenEndpoint)
        .setIssuedAt(now)
        .setExpirationTime(now + 240)
        .setJti(crypto.randomUUID())
        .sign(key);
      const res = await tokenPost(sandbox!, {
        grant_type: "client_credentials",
        scope: "system/*.rs",
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: assertion,
      });
      expect(res.status).toBe(200);
      // issue 19: the PEM as printed, copied from BEGIN to END, is a key that works (no indentation)
      const pem = /^-----BEGIN PRIVATE KEY-----\n[\s\S]*?\n-----END PRIVATE KEY-----$/m.exec(text)![0];
      const fromPem = await importPKCS8(pem, "ES384");
      const pemAssertion = await new SignJWT({})
        .setProtectedHeader({ alg: "ES384", kid: jwk.kid, typ: "JWT" })
        .setIssuer("backend-service")
        .setSubject("backend-service")
        .setAudience(sandbox!.tokenEndpoint)
        .setIssuedAt(now)
        .setExpirationTime(now + 240)
        .setJti(crypto.randomUUID())
        .sign(fromPem);
      const viaPem = await tokenPost(sandbox!, {
        grant_type: "client_credentials",
        scope: "system/*.rs",
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: pemAssertion,
      });
      expect(viaPem.status).toBe(200);
    } finally {
      await sandbox?.close();
    }
  });

  it("--help prints usage; a bad --port is a TypeError", async () => {
    const out: string[] = [];
    expect(await runCli(["--help"], { out: (t) => out.push(t), err: () => {} })).toBeUndefined();
    expect(out[0]).toBe(CLI_USAGE);
    await expect(runCli(["--port", "x"], { out: () => {}, err: () => {} })).rejects.toBeInstanceOf(TypeError);
  });
});
