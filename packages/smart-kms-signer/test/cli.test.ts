/** Issue 18: `smart-kms-jwks` prints the JWKS to register with a SMART server, from GetPublicKey. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli-main.js";
import { getKmsPublicKey } from "../src/index.js";
import { startSigningKms } from "./helpers.js";

let env: Awaited<ReturnType<typeof startSigningKms>>;
const saved = { ...process.env };
beforeAll(async () => {
  env = await startSigningKms();
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1" });
});
afterAll(async () => {
  process.env = saved;
  env.client.destroy();
  await env.kms.close();
});

async function run(...argv: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe("smart-kms-jwks", () => {
  it("prints the JWKS of one or more keys, kid = thumbprint or --kid", async () => {
    const es = await run("--key-id", "alias/smart-es384", "--endpoint", env.kms.endpoint);
    expect(es.code).toBe(0);
    const expected = await getKmsPublicKey({ kms: env.client, keyId: "alias/smart-es384", alg: "ES384" });
    expect(JSON.parse(es.out)).toEqual({ keys: [expected.jwk] });
    const two = await run(
      "--key-id",
      env.keys.rsa2048,
      "--key-id",
      env.keys.rsa3072,
      "--alg",
      "RS384",
      "--endpoint",
      env.kms.endpoint,
    );
    expect(JSON.parse(two.out).keys.map((k: { alg: string }) => k.alg)).toEqual(["RS384", "RS384"]);
    const named = await run("--key-id", "alias/smart-es384", "--kid", "prod-1", "--endpoint", env.kms.endpoint);
    expect(JSON.parse(named.out).keys[0].kid).toBe("prod-1");
  });

  it("usage errors exit 2; a key that cannot sign the alg exits 1 with the typed message", async () => {
    expect((await run()).code).toBe(2);
    expect((await run("--key-id", "k", "--alg", "HS256")).code).toBe(2);
    expect((await run("--bogus")).code).toBe(2);
    expect((await run("--help")).code).toBe(0);
    const wrong = await run("--key-id", "alias/smart-p256", "--endpoint", env.kms.endpoint);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/cannot sign ES384: its key spec is ECC_NIST_P256/);
    expect(wrong.out).toBe("");
  });
});
