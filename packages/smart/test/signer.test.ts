/**
 * Issue 18: an AssertionSigner (the key stays in a KMS/HSM) and PKCS#8 PEM strings, wherever a private
 * key is accepted. The library still builds the assertion (checklist 5.x, E4, E5, E7, E17).
 */
import { decodeJwt, decodeProtectedHeader, exportPKCS8, generateKeyPair, jwtVerify } from "jose";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { resolveClientAuth } from "../src/client-auth.js";
import { tokenClient } from "../src/token-request.js";
import {
  BackendServicesAuth,
  buildAuthorizeUrl,
  codeChallengeS256,
  exchangeCode,
  generateCodeVerifier,
  generateState,
  SmartAuthError,
  SmartAuthErrorCode,
  SmartClient,
  type AssertionSigner,
  type ClientAuthentication,
} from "../src/index.js";
import { createFakeServer } from "./support/fake-smart-server.js";

const TOKEN_ENDPOINT = "https://auth.example.com/oauth2/token?tenant=a";
const config = {
  issuer: "https://auth.example.com",
  token_endpoint: TOKEN_ENDPOINT,
  capabilities: [],
  code_challenge_methods_supported: ["S256"],
  grant_types_supported: ["client_credentials"],
} as SmartConfiguration;

function fakeFetch(responses: Array<() => Response>) {
  const seen: URLSearchParams[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    seen.push(new URLSearchParams(await new Request(input, init).text()));
    const next = responses.shift();
    if (!next) throw new Error("unexpected request");
    return next();
  };
  return { fetch: fetch as typeof globalThis.fetch, seen };
}
const ok = () =>
  new Response(JSON.stringify({ access_token: "at", token_type: "bearer", expires_in: 300 }), {
    headers: { "content-type": "application/json" },
  });

/** A signer over a WebCrypto key, as a KMS would be: it only sees the signing input. */
async function webCryptoSigner(alg: "ES384" | "RS384", kid = "kms-key-1") {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const params = alg === "ES384" ? { name: "ECDSA", hash: "SHA-384" } : { name: "RSASSA-PKCS1-v1_5" };
  const inputs: Uint8Array[] = [];
  const signer: AssertionSigner = {
    alg,
    kid,
    sign: async (data) => {
      inputs.push(data);
      return new Uint8Array(await crypto.subtle.sign(params, privateKey, data as Uint8Array<ArrayBuffer>));
    },
  };
  return { signer, publicKey, inputs };
}

const client = (privateKey: unknown, fetch: typeof globalThis.fetch, extra: Record<string, unknown> = {}) =>
  tokenClient({
    smartConfig: config,
    clientId: "backend-client",
    clientAuth: resolveClientAuth({ privateKey: privateKey as AssertionSigner, ...extra }),
    fetch,
    maxRetries: 0,
  });

describe("AssertionSigner (issue 18)", () => {
  for (const alg of ["ES384", "RS384"] as const) {
    it(`${alg}: the library builds typ, kid, jku, iss = sub = client_id, aud = token endpoint, exp <= 300 s, fresh jti; the signer only signs (checklist 5.x, E5, E7)`, async () => {
      const { signer, publicKey, inputs } = await webCryptoSigner(alg);
      const { fetch, seen } = fakeFetch([ok, ok]);
      const now = 1_700_000_000_000;
      const c = tokenClient({
        smartConfig: config,
        clientId: "backend-client",
        clientAuth: { method: "private_key_jwt", privateKey: signer, jku: "https://app.example.com/jwks.json" },
        fetch,
        now: () => now,
      });
      await c.request({ grantType: "client_credentials", scope: "system/Patient.rs" });
      await c.request({ grantType: "client_credentials", scope: "system/Patient.rs" });
      expect(inputs).toHaveLength(2);
      const [a, b] = seen.map((form) => form.get("client_assertion")!);
      // checklist 2.41: an asymmetric client's body carries the assertion, not client_id (as with a private key)
      expect(seen[0]!.get("client_id")).toBeNull();
      expect(seen[0]!.get("client_assertion_type")).toBe("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
      expect(decodeProtectedHeader(a!)).toEqual({
        alg,
        typ: "JWT",
        kid: "kms-key-1",
        jku: "https://app.example.com/jwks.json",
      });
      const claims = decodeJwt(a!);
      expect(Object.keys(claims).sort()).toEqual(["aud", "exp", "iat", "iss", "jti", "sub"]);
      expect(claims).toMatchObject({
        iss: "backend-client",
        sub: "backend-client",
        aud: TOKEN_ENDPOINT,
        iat: now / 1000,
        exp: now / 1000 + 240,
      });
      expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(decodeJwt(b!).jti).not.toBe(claims.jti);
      // the signer signed exactly the JWS signing input, and the signature verifies (RFC 7515 §5.1)
      expect(new TextDecoder().decode(inputs[0])).toBe(a!.split(".").slice(0, 2).join("."));
      await jwtVerify(a!, publicKey, { currentDate: new Date(now), audience: TOKEN_ENDPOINT, typ: "JWT" });
    });
  }

  it("the shorthand privateKey takes a signer (alg and kid from it); assertionLifetimeSeconds applies (E4)", async () => {
    const { signer } = await webCryptoSigner("ES384", "k-short");
    const { fetch, seen } = fakeFetch([ok]);
    const now = 1_700_000_000_000;
    const auth: ClientAuthentication = { method: "private_key_jwt", privateKey: signer, assertionLifetimeSeconds: 60 };
    await tokenClient({ smartConfig: config, clientId: "c", clientAuth: auth, fetch, now: () => now }).request({
      grantType: "client_credentials",
    });
    expect(decodeJwt(seen[0]!.get("client_assertion")!).exp).toBe(now / 1000 + 60);
    const { fetch: f2, seen: s2 } = fakeFetch([ok]);
    await client(signer, f2).request({ grantType: "client_credentials" });
    expect(decodeProtectedHeader(s2[0]!.get("client_assertion")!)).toMatchObject({ alg: "ES384", kid: "k-short" });
  });

  it("misuse is a TypeError at construction: bad alg, empty kid, alg or kid that contradict the signer", async () => {
    const sign = async () => new Uint8Array(96);
    expect(() => resolveClientAuth({ privateKey: { alg: "HS256", kid: "k", sign } as never })).toThrow(TypeError);
    expect(() => resolveClientAuth({ privateKey: { alg: "ES384", kid: "", sign } })).toThrow(/kid/);
    expect(() => resolveClientAuth({ privateKey: { alg: "ES384", kid: "k", sign }, alg: "RS384" })).toThrow(
      /alg "RS384" does not match/,
    );
    expect(() => resolveClientAuth({ privateKey: { alg: "ES384", kid: "k", sign }, kid: "other" })).toThrow(
      /kid "other" does not match/,
    );
    expect(
      () =>
        new BackendServicesAuth({
          issuer: "https://fhir.example.com",
          clientId: "c",
          scope: "system/Patient.rs",
          privateKey: { alg: "RS384", kid: 7 as never, sign },
        }),
    ).toThrow(TypeError);
    const viaClientAuth = tokenClient({
      smartConfig: config,
      clientId: "c",
      clientAuth: { method: "private_key_jwt", privateKey: { alg: "ES384", kid: "k", sign }, alg: "RS384" },
      fetch: fakeFetch([]).fetch,
    });
    await expect(viaClientAuth.request({ grantType: "client_credentials" })).rejects.toBeInstanceOf(TypeError);
  });

  it("a signer that throws gives signer_error naming its kid and alg, keeps retryable, and never sends a request", async () => {
    for (const retryable of [true, false]) {
      const cause = Object.assign(new Error("denied: key material 0123456789abcdef"), {
        name: "KmsSignerError",
        retryable,
      });
      const signer: AssertionSigner = { alg: "RS384", kid: "arn-key-9", sign: () => Promise.reject(cause) };
      const { fetch, seen } = fakeFetch([]);
      const err = (await client(signer, fetch)
        .request({ grantType: "client_credentials" })
        .catch((e: unknown) => e)) as SmartAuthError;
      expect(SmartAuthError.is(err)).toBe(true);
      expect(err.code).toBe(SmartAuthErrorCode.Signer);
      expect(err.retryable).toBe(retryable);
      expect(err.cause).toBe(cause);
      expect(err.message).toBe('Signer (kid "arn-key-9", RS384) failed to sign the client assertion (KmsSignerError)');
      expect(JSON.stringify(err)).not.toContain("0123456789abcdef");
      expect(seen).toHaveLength(0);
    }
    // a synchronous throw is caught too, not a crash
    const sync: AssertionSigner = {
      alg: "ES384",
      kid: "k",
      sign: () => {
        throw new Error("boom");
      },
    };
    await expect(client(sync, fakeFetch([]).fetch).request({ grantType: "client_credentials" })).rejects.toMatchObject({
      code: "signer_error",
    });
  });

  it("client_credentials retries a retryable signer failure with a new assertion (E5)", async () => {
    const { signer, inputs } = await webCryptoSigner("ES384");
    let calls = 0;
    const flaky: AssertionSigner = {
      alg: "ES384",
      kid: signer.kid,
      sign: (data) =>
        ++calls === 1 ? Promise.reject(Object.assign(new Error("throttled"), { retryable: true })) : signer.sign(data),
    };
    const { fetch, seen } = fakeFetch([ok]);
    const c = tokenClient({
      smartConfig: config,
      clientId: "c",
      clientAuth: resolveClientAuth({ privateKey: flaky }),
      fetch,
      maxRetries: 1,
    });
    await c.request({ grantType: "client_credentials" });
    expect(calls).toBe(2);
    expect(inputs).toHaveLength(1);
    expect(seen).toHaveLength(1);
  });

  it("a malformed signature is signer_error, not a crash and not a request: wrong length, DER, ArrayBuffer, string, undefined", async () => {
    const der = new Uint8Array([
      0x30,
      0x64,
      0x02,
      0x30,
      ...new Uint8Array(48).fill(1),
      0x02,
      0x30,
      ...new Uint8Array(48).fill(2),
    ]);
    const cases: Array<["ES384" | "RS384", unknown, RegExp]> = [
      ["ES384", new Uint8Array(95), /95 bytes, not the 96-byte r\|\|s/],
      ["ES384", der, /102 bytes.*DER/],
      ["ES384", new Uint8Array(0), /0 bytes/],
      ["ES384", new ArrayBuffer(96), /did not return a Uint8Array/],
      ["ES384", "c2lnbmF0dXJl", /did not return a Uint8Array/],
      ["RS384", undefined, /did not return a Uint8Array/],
      ["RS384", new Uint8Array(128), /128 bytes, not an RSA signature of 2048 bits/],
      ["RS384", [1, 2, 3], /did not return a Uint8Array/],
    ];
    for (const [alg, output, message] of cases) {
      const { fetch, seen } = fakeFetch([]);
      const signer = { alg, kid: "bad-signer", sign: async () => output as Uint8Array };
      const err = (await client(signer, fetch)
        .request({ grantType: "client_credentials" })
        .catch((e: unknown) => e)) as SmartAuthError;
      expect(err.code, String(output)).toBe(SmartAuthErrorCode.Signer);
      expect(err.message).toContain(`Signer (kid "bad-signer", ${alg})`);
      expect(err.message).toMatch(message);
      expect(err.retryable).toBe(false);
      expect(seen).toHaveLength(0);
    }
  });

  it("exchangeCode and every SmartClient refresh sign through the signer, one sign per request (checklist 2.55)", async () => {
    const server = await createFakeServer();
    const { signer, inputs } = await webCryptoSigner("ES384");
    const codeVerifier = generateCodeVerifier();
    const url = buildAuthorizeUrl({
      smartConfig: server.config,
      clientId: "my-app",
      redirectUri: "https://app.example.com/cb",
      scope: "launch/patient openid fhirUser patient/Observation.rs offline_access",
      state: generateState(),
      codeChallenge: await codeChallengeS256(codeVerifier),
      aud: server.FHIR,
    });
    const code = server.authorize(url, { patient: "123" }).searchParams.get("code")!;
    const tokens = await exchangeCode({
      smartConfig: server.config,
      clientId: "my-app",
      redirectUri: "https://app.example.com/cb",
      code,
      codeVerifier,
      fetch: server.fetch,
      privateKey: signer,
    });
    const smart = new SmartClient({
      smartConfig: server.config,
      clientId: "my-app",
      tokens,
      fhirBaseUrl: server.FHIR,
      fetch: server.fetch,
      privateKey: signer,
    });
    await smart.refresh();
    await smart.refresh();
    expect(inputs).toHaveLength(3);
    const requests = server.tokenRequests().slice(-3);
    expect(requests.map((r) => r.form.get("grant_type"))).toEqual([
      "authorization_code",
      "refresh_token",
      "refresh_token",
    ]);
    const assertions = requests.map((r) => r.form.get("client_assertion")!);
    expect(new Set(assertions.map((a) => decodeJwt(a).jti)).size).toBe(3);
    for (const a of assertions)
      expect(decodeProtectedHeader(a)).toMatchObject({ alg: "ES384", typ: "JWT", kid: signer.kid });
  });

  it("types: privateKey takes a CryptoKey, a JWK, a PEM string or a signer", () => {
    expectTypeOf<{
      alg: "ES384";
      kid: string;
      sign(d: Uint8Array): Promise<Uint8Array>;
    }>().toMatchTypeOf<AssertionSigner>();
    expectTypeOf<string>().toMatchTypeOf<
      NonNullable<ConstructorParameters<typeof BackendServicesAuth>[0]["privateKey"]>
    >();
  });
});

describe("PKCS#8 PEM strings (issue 18, WebCrypto import, no jose in user code)", () => {
  for (const alg of ["ES384", "RS384"] as const) {
    it(`${alg}: a PEM plus alg signs a verifiable assertion`, async () => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const pem = await exportPKCS8(privateKey);
      for (const variant of [pem, `\n  ${pem.replace(/\n/g, "\r\n")}\n`]) {
        const { fetch, seen } = fakeFetch([ok]);
        await client(variant, fetch, { alg, kid: "pem-key" }).request({ grantType: "client_credentials" });
        const assertion = seen[0]!.get("client_assertion")!;
        expect(decodeProtectedHeader(assertion)).toEqual({ alg, typ: "JWT", kid: "pem-key" });
        await jwtVerify(assertion, publicKey, { audience: TOKEN_ENDPOINT });
      }
    });
  }

  it("refuses, with a TypeError that quotes no key: another curve, another alg, public keys, garbage, a PEM without alg", async () => {
    const p256 = await exportPKCS8((await generateKeyPair("ES256", { extractable: true })).privateKey);
    const es384 = await exportPKCS8((await generateKeyPair("ES384", { extractable: true })).privateKey);
    const body = es384.split("\n")[1]!;
    const cases: Array<[string, "ES384" | "RS384"]> = [
      [p256, "ES384"],
      [es384, "RS384"],
      [es384.replace(/PRIVATE KEY/g, "PUBLIC KEY"), "ES384"],
      [es384.replace(/PRIVATE KEY/g, "EC PRIVATE KEY"), "ES384"],
      [es384.replace(body, body.replace(/[A-Za-z]/, "!")), "ES384"],
      [es384.slice(0, 100) + es384.slice(-26), "ES384"],
      ["-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----", "ES384"],
      ["not a key", "ES384"],
    ];
    for (const [pem, alg] of cases) {
      const err = await client(pem, fakeFetch([]).fetch, { alg })
        .request({ grantType: "client_credentials" })
        .catch((e: unknown) => e);
      expect(err, pem.slice(0, 40)).toBeInstanceOf(TypeError);
      expect(String(err)).toMatch(/privateKey is not a (PKCS#8 PEM|PKCS#8 (ES|RS)384 private key)/);
      expect(String(err)).not.toContain(body.slice(10, 40));
    }
    expect(() => resolveClientAuth({ privateKey: es384 })).toThrow(/needs alg/);
  });
});
