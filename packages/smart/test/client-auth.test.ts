import { decodeJwt, decodeProtectedHeader, exportJWK, exportPKCS8, generateKeyPair, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { resolveClientAuth } from "../src/client-auth.js";
import { tokenClient } from "../src/token-request.js";

const TOKEN_ENDPOINT = "https://auth.example.com/oauth2/token?tenant=a";
const config = {
  issuer: "https://auth.example.com",
  token_endpoint: TOKEN_ENDPOINT,
  capabilities: [],
  code_challenge_methods_supported: ["S256"],
  grant_types_supported: ["client_credentials"],
} as SmartConfiguration;

interface Seen {
  url: string;
  headers: Headers;
  body: URLSearchParams;
}

function fakeFetch(responses: Array<() => Response | Promise<Response>>) {
  const seen: Seen[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push({ url: req.url, headers: req.headers, body: new URLSearchParams(await req.text()) });
    const next = responses.shift();
    if (!next) throw new Error("unexpected request");
    return next();
  };
  return { fetch: fetch as typeof globalThis.fetch, seen };
}

const ok = () =>
  new Response(
    JSON.stringify({ access_token: "at", token_type: "bearer", expires_in: 300, scope: "system/Patient.rs" }),
    { headers: { "content-type": "application/json" } },
  );

describe("private_key_jwt client assertion (checklist 5.x, E4, E5, E7, E17)", () => {
  for (const alg of ["ES384", "RS384"] as const) {
    it(`${alg}: typ JWT, kid, iss = sub = client_id, aud = token endpoint exactly, exp <= 5 min, fresh jti`, async () => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const { fetch, seen } = fakeFetch([ok, ok]);
      const now = 1_700_000_000_000;
      const client = tokenClient({
        smartConfig: config,
        clientId: "backend-client",
        clientAuth: resolveClientAuth({ privateKey, alg, kid: "key-1", jku: "https://app.example.com/jwks.json" }),
        fetch,
        now: () => now,
      });
      await client.request({ grantType: "client_credentials", scope: "system/Patient.rs" });
      await client.request({ grantType: "client_credentials", scope: "system/Patient.rs" });
      const [a, b] = seen.map((s) => s.body.get("client_assertion")!);
      expect(seen[0]!.url).toBe(TOKEN_ENDPOINT);
      expect(seen[0]!.body.get("grant_type")).toBe("client_credentials");
      expect(seen[0]!.body.get("scope")).toBe("system/Patient.rs");
      expect(seen[0]!.body.get("client_assertion_type")).toBe("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
      expect(decodeProtectedHeader(a!)).toEqual({
        alg,
        kid: "key-1",
        typ: "JWT",
        jku: "https://app.example.com/jwks.json",
      });
      const claims = decodeJwt(a!);
      expect(claims).toMatchObject({ iss: "backend-client", sub: "backend-client", aud: TOKEN_ENDPOINT });
      expect(claims.exp! - Math.floor(now / 1000)).toBeLessThanOrEqual(300);
      expect(claims.exp! - Math.floor(now / 1000)).toBeGreaterThan(0);
      expect(claims.iat).toBe(Math.floor(now / 1000));
      expect(claims.jti).toBeTypeOf("string");
      expect(decodeJwt(b!).jti).not.toBe(claims.jti);
      await jwtVerify(a!, publicKey, { currentDate: new Date(now), audience: TOKEN_ENDPOINT });
      if (alg === "ES384") {
        // raw R||S, 96 bytes (E17)
        expect(Buffer.from(a!.split(".")[2]!, "base64url").length).toBe(96);
      }
    });
  }

  it("accepts a private JWK (ES384 and RS384); a PEM string for another alg gets a TypeError without the key", async () => {
    for (const alg of ["ES384", "RS384"] as const) {
      const { privateKey } = await generateKeyPair(alg, { extractable: true });
      const { fetch, seen } = fakeFetch([ok]);
      const jwk = { ...(await exportJWK(privateKey)), alg, kid: "k", use: "sig" };
      const client = tokenClient({
        smartConfig: config,
        clientId: "c",
        clientAuth: resolveClientAuth({ privateKey: jwk, alg }),
        fetch,
      });
      await client.request({ grantType: "client_credentials" });
      expect(decodeProtectedHeader(seen[0]!.body.get("client_assertion")!).alg).toBe(alg);
    }
    const { privateKey } = await generateKeyPair("ES384", { extractable: true });
    const pem = await exportPKCS8(privateKey);
    const client = tokenClient({
      smartConfig: config,
      clientId: "c",
      clientAuth: resolveClientAuth({ privateKey: pem, alg: "RS384" }),
      fetch: fakeFetch([]).fetch,
    });
    const err = await client.request({ grantType: "client_credentials" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(String(err)).toMatch(/PKCS#8 RS384/);
    expect(String(err)).not.toContain(pem.slice(40, 80));
    const pub = await exportJWK((await generateKeyPair("ES384", { extractable: true })).publicKey);
    const noPrivate = tokenClient({
      smartConfig: config,
      clientId: "c",
      clientAuth: resolveClientAuth({ privateKey: pub, alg: "ES384" }),
      fetch: fakeFetch([]).fetch,
    });
    await expect(noPrivate.request({ grantType: "client_credentials" })).rejects.toBeInstanceOf(TypeError);
  });

  it("refuses a key that does not match alg, and RSA keys under 2048 bits (E17)", async () => {
    const { privateKey: ec } = await generateKeyPair("ES384");
    const rs = tokenClient({
      smartConfig: config,
      clientId: "c",
      clientAuth: resolveClientAuth({ privateKey: ec, alg: "RS384" }),
      fetch: fakeFetch([]).fetch,
    });
    await expect(rs.request({ grantType: "client_credentials" })).rejects.toBeInstanceOf(TypeError);
    const small = (
      await crypto.subtle.generateKey(
        { name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-384" },
        false,
        ["sign", "verify"],
      )
    ).privateKey;
    const weak = tokenClient({
      smartConfig: config,
      clientId: "c",
      clientAuth: resolveClientAuth({ privateKey: small, alg: "RS384" }),
      fetch: fakeFetch([]).fetch,
    });
    await expect(weak.request({ grantType: "client_credentials" })).rejects.toThrow(/2048/);
  });

  it("a retry after 503 signs a new assertion with a new jti (E5)", async () => {
    const { privateKey } = await generateKeyPair("ES384");
    const { fetch, seen } = fakeFetch([() => new Response("busy", { status: 503 }), ok]);
    const client = tokenClient({
      smartConfig: config,
      clientId: "c",
      clientAuth: resolveClientAuth({ privateKey, alg: "ES384" }),
      fetch,
    });
    await client.request({ grantType: "client_credentials" });
    expect(seen).toHaveLength(2);
    const jtis = seen.map((s) => decodeJwt(s.body.get("client_assertion")!).jti);
    expect(jtis[0]).not.toBe(jtis[1]);
  });

  it("never replays an authorization code, even after a 503 (E9)", async () => {
    const { fetch, seen } = fakeFetch([() => new Response("busy", { status: 503 }), ok]);
    const client = tokenClient({ smartConfig: config, clientId: "c", clientAuth: { method: "none" }, fetch });
    await expect(
      client.request({
        grantType: "authorization_code",
        code: "c0de",
        redirectUri: "https://app/cb",
        codeVerifier: "v".repeat(43),
      }),
    ).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(1);
  });

  it("retries a refresh on 503 but not after a connection failure (the token may be spent, E3)", async () => {
    const refreshed = fakeFetch([() => new Response("busy", { status: 503 }), ok]);
    const c1 = tokenClient({
      smartConfig: config,
      clientId: "c",
      clientAuth: { method: "none" },
      fetch: refreshed.fetch,
    });
    await c1.request({ grantType: "refresh_token", refreshToken: "rt" });
    expect(refreshed.seen).toHaveLength(2);
    const reset = fakeFetch([
      () => Promise.reject(new TypeError("fetch failed", { cause: new Error("ECONNRESET") })),
      ok,
    ]);
    const c2 = tokenClient({ smartConfig: config, clientId: "c", clientAuth: { method: "none" }, fetch: reset.fetch });
    await expect(c2.request({ grantType: "refresh_token", refreshToken: "rt" })).rejects.toMatchObject({
      code: "network_error",
      retryable: true,
    });
    expect(reset.seen).toHaveLength(1);
  });
});

describe("symmetric and public client authentication (checklist 6.x, E16)", () => {
  it("client_secret_basic sends raw id:secret by default, no client_id in the body", async () => {
    const { fetch, seen } = fakeFetch([ok]);
    const client = tokenClient({
      smartConfig: config,
      clientId: "my-app:1",
      clientAuth: resolveClientAuth({ clientSecret: "s3cr+t%" }),
      fetch,
    });
    await client.request({ grantType: "refresh_token", refreshToken: "rt" });
    expect(seen[0]!.headers.get("authorization")).toBe(`Basic ${Buffer.from("my-app:1:s3cr+t%").toString("base64")}`);
    expect(seen[0]!.body.has("client_id")).toBe(false);
    expect(seen[0]!.body.has("client_secret")).toBe(false);
  });

  it("client_secret_basic form-urlencoded follows RFC 6749 §2.3.1", async () => {
    const { fetch, seen } = fakeFetch([ok]);
    const client = tokenClient({
      smartConfig: config,
      clientId: "my-app",
      clientAuth: { method: "client_secret_basic", clientSecret: "a b", basicEncoding: "form-urlencoded" },
      fetch,
    });
    await client.request({ grantType: "refresh_token", refreshToken: "rt" });
    expect(seen[0]!.headers.get("authorization")).toBe(`Basic ${Buffer.from("my%2Dapp:a+b").toString("base64")}`);
  });

  it("client_secret_post puts id and secret in the body; public clients send client_id only", async () => {
    const post = fakeFetch([ok]);
    await tokenClient({
      smartConfig: config,
      clientId: "app",
      clientAuth: { method: "client_secret_post", clientSecret: "sec" },
      fetch: post.fetch,
    }).request({ grantType: "refresh_token", refreshToken: "rt" });
    expect(post.seen[0]!.body.get("client_id")).toBe("app");
    expect(post.seen[0]!.body.get("client_secret")).toBe("sec");
    expect(post.seen[0]!.headers.has("authorization")).toBe(false);
    const pub = fakeFetch([ok]);
    await tokenClient({
      smartConfig: config,
      clientId: "app",
      clientAuth: { method: "none" },
      fetch: pub.fetch,
    }).request({ grantType: "refresh_token", refreshToken: "rt" });
    expect(pub.seen[0]!.body.get("client_id")).toBe("app");
    expect(pub.seen[0]!.headers.has("authorization")).toBe(false);
  });

  it("authorization_code sends code, redirect_uri and code_verifier (checklist 2.36-2.40)", async () => {
    const { fetch, seen } = fakeFetch([ok]);
    await tokenClient({ smartConfig: config, clientId: "app", clientAuth: { method: "none" }, fetch }).request({
      grantType: "authorization_code",
      code: "the-code",
      redirectUri: "https://app.example.com/cb?x=1",
      codeVerifier: "v".repeat(43),
    });
    const body = seen[0]!.body;
    expect(Object.fromEntries(body)).toMatchObject({
      grant_type: "authorization_code",
      code: "the-code",
      redirect_uri: "https://app.example.com/cb?x=1",
      code_verifier: "v".repeat(43),
      client_id: "app",
    });
    expect(seen[0]!.headers.get("content-type")).toMatch(/^application\/x-www-form-urlencoded/);
  });

  it("plain http to a non-loopback token endpoint is refused before anything is sent (checklist 2.1)", async () => {
    const { fetch, seen } = fakeFetch([ok]);
    const insecure = { ...config, token_endpoint: "http://auth.example.com/token" } as SmartConfiguration;
    await expect(
      tokenClient({
        smartConfig: insecure,
        clientId: "app",
        clientAuth: { method: "client_secret_post", clientSecret: "sec" },
        fetch,
      }).request({ grantType: "refresh_token", refreshToken: "rt" }),
    ).rejects.toMatchObject({ code: "insecure_url" });
    expect(seen).toHaveLength(0);
    const allowed = tokenClient({
      smartConfig: insecure,
      clientId: "app",
      clientAuth: { method: "none" },
      fetch,
      allowInsecureRequests: true,
    });
    await allowed.request({ grantType: "refresh_token", refreshToken: "rt" });
    expect(seen).toHaveLength(1);
  });
});
