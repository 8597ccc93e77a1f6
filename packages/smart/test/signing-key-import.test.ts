/**
 * The client's signing key (a PEM or JWK, checklist E17) is imported once per client, whatever endpoint the
 * assertion is for (token, introspection, revocation: RFC 7523 §3 `aud`), and Backend Services imports it while
 * its discovery request is out rather than after it (BENCHMARKS.md #2, cold start). A bad key still fails on first use.
 */
import { clearDiscoveryCache } from "@fhir-dsl/smart-discovery";
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { clientAuthFactory } from "../src/client-auth.js";
import * as confidentialAuth from "../src/confidential-auth.js";
import { BackendServicesAuth } from "../src/index.js";

const BASE = "https://ehr.example/fhir";
const TOKEN_ENDPOINT = "https://ehr.example/auth/token";
const CONFIG = JSON.stringify({
  token_endpoint: TOKEN_ENDPOINT,
  capabilities: ["client-confidential-asymmetric"],
  code_challenge_methods_supported: ["S256"],
  grant_types_supported: ["client_credentials"],
});
let pem: string;
beforeAll(async () => {
  pem = await exportPKCS8((await generateKeyPair("ES384", { extractable: true })).privateKey);
});
afterEach(() => {
  vi.restoreAllMocks();
  clearDiscoveryCache();
});

/** Discovery answered only when `release()` is called; the token endpoint at once. */
function heldDiscovery() {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const fetch = (async (input: string | URL | Request) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url === TOKEN_ENDPOINT)
      return Response.json({ access_token: "at-1", token_type: "bearer", expires_in: 300, scope: "system/Patient.rs" });
    await held;
    return new Response(CONFIG);
  }) as typeof globalThis.fetch;
  return { fetch, release };
}

const importsOf = () => vi.spyOn(crypto.subtle, "importKey");
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("signing key import (E17; BENCHMARKS.md #2)", () => {
  it("Backend Services imports a PEM key while discovery is out, then signs with it: one import", async () => {
    const imports = importsOf();
    const { fetch, release } = heldDiscovery();
    const auth = new BackendServicesAuth({
      fhirBaseUrl: BASE,
      clientId: "c",
      scope: "system/Patient.rs",
      privateKey: pem,
      alg: "ES384",
      fetch,
    });
    const header = auth.getAuthorization({ url: `${BASE}/Patient`, method: "GET" });
    await tick();
    expect(imports).toHaveBeenCalledTimes(1); // discovery has not answered yet
    release();
    expect(await header).toBe("Bearer at-1");
    expect(imports).toHaveBeenCalledTimes(1);
  });

  it("a JWK is imported early too; a CryptoKey is used as given (no import, nothing kept per client)", async () => {
    const { privateKey } = await generateKeyPair("ES384", { extractable: true });
    const jwk = await exportJWK(privateKey);
    for (const [key, expected] of [
      [jwk, 1],
      [privateKey, 0],
    ] as const) {
      const imports = importsOf();
      const { fetch, release } = heldDiscovery();
      const auth = new BackendServicesAuth({
        fhirBaseUrl: BASE,
        clientId: "c",
        scope: "system/Patient.rs",
        privateKey: key,
        alg: "ES384",
        fetch,
      });
      const header = auth.getAuthorization({ url: `${BASE}/Patient`, method: "GET" });
      await tick();
      expect(imports).toHaveBeenCalledTimes(expected);
      release();
      expect(await header).toBe("Bearer at-1");
      expect(imports).toHaveBeenCalledTimes(expected);
      imports.mockRestore();
      clearDiscoveryCache();
    }
  });

  it("one import per client for every audience (token, introspection, revocation endpoint)", async () => {
    const imports = importsOf();
    const auth = { method: "private_key_jwt", privateKey: pem, alg: "ES384", kid: "k" } as const;
    const getAuth = clientAuthFactory(auth, TOKEN_ENDPOINT, Date.now, async () => confidentialAuth);
    await Promise.all([
      getAuth(),
      getAuth("https://ehr.example/auth/introspect"),
      getAuth("https://ehr.example/auth/revoke"),
    ]);
    expect(imports).toHaveBeenCalledTimes(1);
  });

  it("a key that cannot be imported fails on first use as before (TypeError naming privateKey), nothing unhandled", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const bad = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----";
      const { fetch, release } = heldDiscovery();
      const auth = new BackendServicesAuth({
        fhirBaseUrl: BASE,
        clientId: "c",
        scope: "system/Patient.rs",
        privateKey: bad,
        alg: "ES384",
        fetch,
      });
      const header = auth.getAuthorization({ url: `${BASE}/Patient`, method: "GET" });
      await tick(); // the early import has failed by now, with nobody awaiting it yet
      release();
      await expect(header).rejects.toThrow(/privateKey is not a PKCS#8 ES384 private key/);
      await tick();
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
