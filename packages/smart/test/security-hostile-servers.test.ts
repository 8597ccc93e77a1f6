/**
 * Hostile or broken servers (issue 9), against small node:http servers on 127.0.0.1 and the sandbox's
 * fault switches. What existing files already cover is listed in SECURITY.md; this file adds the
 * real-socket versions: token leakage across origins, id_tokens through the whole callback, token
 * responses with odd members, slow endpoints, plain http to remote hosts, and a stolen redirect.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BackendServicesAuth,
  clearDiscoveryCache,
  DiscoveryError,
  discoverSmartConfiguration,
  exchangeCode,
  SmartAuthError,
  SmartClient,
  SmartLaunch,
  type SmartConfiguration,
} from "../src/index.js";

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

/** A node:http server on 127.0.0.1:0 that records every request. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => unknown) {
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
    try {
      await handler(req, res, body);
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
type Served = Awaited<ReturnType<typeof serve>>;

const json = (res: ServerResponse, body: unknown, status = 200) => {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
};

const key = await generateKeyPair("RS256");
const wrongKey = await generateKeyPair("RS256");

const rejection = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

const SECRET_AT = "at-LEAK-CANARY-0123456789";
const config = (origin: string): SmartConfiguration =>
  ({
    token_endpoint: `${origin}/auth/token`,
    capabilities: [],
    code_challenge_methods_supported: ["S256"],
    grant_types_supported: ["authorization_code"],
  }) as SmartConfiguration;

describe("token leakage: the bearer token never leaves its FHIR base, on real sockets (checklist E21, ARCHITECTURE.md invariant)", () => {
  let home: Served;
  let other: Served;
  beforeAll(async () => {
    other = await serve((_req, res) => json(res, { resourceType: "Bundle" }));
    home = await serve((req, res) => {
      const path = req.url!;
      if (path === "/fhir/Patient") {
        return json(res, {
          resourceType: "Bundle",
          link: [{ relation: "next", url: `${other.origin}/fhir/Patient?page=2` }],
        });
      }
      const redirects: Record<string, [number, string]> = {
        "/fhir/to-other": [302, `${other.origin}/steal`],
        "/fhir/to-other-307": [307, `${other.origin}/steal-post`],
        "/fhir/to-localhost": [302, `http://localhost:${home.port}/fhir/Patient/1`],
        "/fhir/to-outside": [301, "/admin"],
        "/fhir/to-sibling": [302, "/fhir-evil/Patient"],
        "/fhir/to-dotdot": [302, "/fhir/../admin"],
        "/fhir/to-home": [303, "/fhir/Patient/2"],
      };
      const hop = redirects[path];
      if (hop) {
        res.writeHead(hop[0], { location: hop[1] });
        return res.end();
      }
      return json(res, { resourceType: "Patient", id: "1" });
    });
  });
  afterAll(async () => {
    await home.close();
    await other.close();
  });

  const client = () =>
    new SmartClient({
      smartConfig: config(home.origin),
      clientId: "app",
      fhirBaseUrl: `${home.origin}/fhir`,
      tokens: { access_token: SECRET_AT, token_type: "Bearer", expires_in: 3600, scope: "patient/*.rs" },
    });

  it("a pagination next link on another origin is fetched without the token", async () => {
    const smart = client();
    const bundle = (await (await smart.fetch(`${home.origin}/fhir/Patient`)).json()) as { link: { url: string }[] };
    await smart.fetch(bundle.link[0]!.url);
    expect(home.seen.at(-1)?.authorization).toBe(`Bearer ${SECRET_AT}`);
    expect(other.seen.at(-1)?.url).toBe("/fhir/Patient?page=2");
    expect(other.seen.every((r) => r.authorization === undefined)).toBe(true);
  });

  it("redirects to another origin (302, 307 with a body), to localhost (another origin for the same socket), outside the base path or by dot segments drop the token", async () => {
    const smart = client();
    for (const path of [
      "/fhir/to-other",
      "/fhir/to-localhost",
      "/fhir/to-outside",
      "/fhir/to-sibling",
      "/fhir/to-dotdot",
    ])
      await smart.fetch(`${home.origin}${path}`);
    await smart.fetch(`${home.origin}/fhir/to-other-307`, { method: "POST", body: '{"resourceType":"Parameters"}' });
    const offBase = [
      ...other.seen,
      ...home.seen.filter((r) => !r.url.startsWith("/fhir/") || r.url.startsWith("/fhir-evil")),
    ];
    expect(offBase.map((r) => r.url)).toEqual(
      expect.arrayContaining(["/steal", "/steal-post", "/admin", "/fhir-evil/Patient"]),
    );
    expect(offBase.every((r) => r.authorization === undefined)).toBe(true);
    // the localhost hop reached the same server under another origin, without the token
    const viaLocalhost = home.seen.find((r) => r.url === "/fhir/Patient/1");
    expect(viaLocalhost?.authorization).toBeUndefined();
  });

  it("a redirect that stays under the FHIR base keeps the token", async () => {
    await client().fetch(`${home.origin}/fhir/to-home`);
    expect(home.seen.at(-1)).toMatchObject({ url: "/fhir/Patient/2", authorization: `Bearer ${SECRET_AT}` });
  });
});

describe("id_tokens through the whole callback: a bad one fails the launch, fhirUser is never exposed (checklist 7.1, 7.2, E18)", () => {
  let ehr: Served;
  let idTokenFor: (nonce: string) => Promise<string> = async () => "";
  beforeAll(async () => {
    const jwk = { ...(await exportJWK(key.publicKey)), kid: "k1", alg: "RS256" };
    ehr = await serve(async (req, res, body) => {
      const url = new URL(req.url!, "http://x");
      if (url.pathname === "/fhir/.well-known/smart-configuration") {
        return json(res, {
          issuer: `${ehr.origin}/auth`,
          jwks_uri: `${ehr.origin}/auth/jwks`,
          authorization_endpoint: `${ehr.origin}/auth/authorize`,
          token_endpoint: `${ehr.origin}/auth/token`,
          capabilities: ["launch-standalone", "client-public", "sso-openid-connect"],
          code_challenge_methods_supported: ["S256"],
          grant_types_supported: ["authorization_code"],
        });
      }
      if (url.pathname === "/auth/jwks") return json(res, { keys: [jwk] });
      if (url.pathname === "/auth/token") {
        const nonce = lastNonce;
        return json(res, {
          access_token: "at-1234567890",
          token_type: "Bearer",
          expires_in: 300,
          scope: "openid fhirUser patient/*.rs",
          id_token: await idTokenFor(nonce),
          _body: body.length,
        });
      }
      res.writeHead(404).end();
    });
  });
  afterAll(() => ehr.close());
  let lastNonce = "";

  async function callback(make: (nonce: string) => Promise<string>) {
    idTokenFor = make;
    const launch = new SmartLaunch({
      clientId: "app",
      redirectUri: "http://127.0.0.1/cb",
      scope: "openid fhirUser patient/*.rs",
      fhirBaseUrl: `${ehr.origin}/fhir`,
      allowUnboundState: true,
    });
    const start = await launch.standaloneLaunch();
    const params = new URL(start.url).searchParams;
    lastNonce = params.get("nonce")!;
    return launch.handleCallback(`http://127.0.0.1/cb?code=code-abcdef123456&state=${params.get("state")}`);
  }
  const now = () => Math.floor(Date.now() / 1000);
  const sign = (
    claims: Record<string, unknown>,
    header: Record<string, unknown> = { alg: "RS256", kid: "k1" },
    signer: CryptoKey = key.privateKey,
  ) =>
    new SignJWT({
      sub: "user-1",
      fhirUser: "Practitioner/1",
      iss: `${ehr.origin}/auth`,
      aud: "app",
      iat: now(),
      exp: now() + 300,
      ...claims,
    })
      .setProtectedHeader(header as { alg: string })
      .sign(signer);
  const unsigned = (claims: Record<string, unknown>) =>
    `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${Buffer.from(JSON.stringify({ sub: "user-1", iss: `${ehr.origin}/auth`, aud: "app", iat: now(), exp: now() + 300, ...claims })).toString("base64url")}.`;

  it("a good id_token passes and exposes fhirUser (control)", async () => {
    const smart = await callback((nonce) => sign({ nonce }));
    expect(smart.fhirUser).toBe(`${ehr.origin}/fhir/Practitioner/1`);
  });

  const bad: [string, (nonce: string) => Promise<string>][] = [
    ["alg none", async (nonce) => unsigned({ nonce })],
    [
      "a signature from another key with the server's kid",
      (nonce) => sign({ nonce }, { alg: "RS256", kid: "k1" }, wrongKey.privateKey),
    ],
    ["wrong iss", (nonce) => sign({ nonce, iss: "https://evil.example/auth" })],
    ["iss with a trailing slash (exact match, E6)", (nonce) => sign({ nonce, iss: `${ehr.origin}/auth/` })],
    ["wrong aud", (nonce) => sign({ nonce, aud: "other-app" })],
    ["several audiences without azp", (nonce) => sign({ nonce, aud: ["app", "other-app"] })],
    ["wrong nonce", () => sign({ nonce: "not-the-nonce-sent" })],
    ["no nonce although one was sent", () => sign({})],
    ["expired beyond the 60 s leeway", (nonce) => sign({ nonce, iat: now() - 600, exp: now() - 120 })],
    ["no sub", (nonce) => sign({ nonce, sub: undefined })],
    ["not a JWT", async () => "not-a-jwt"],
  ];
  for (const [name, make] of bad) {
    it(`${name}: invalid_id_token, no session`, async () => {
      const error = await rejection(callback(make));
      expect(SmartAuthError.is(error) && error.code).toBe("invalid_id_token");
    });
  }

  it("an empty id_token string from the server is no id_token: no TypeError, no fhirUser (was a TypeError from verifyIdToken)", async () => {
    const smart = await callback(async () => "");
    expect(smart.token?.id_token).toBeUndefined();
    expect(smart.fhirUser).toBeUndefined();
  });
});

describe("token responses with odd members, from a real server (checklist 2.43, E1, E2, E13)", () => {
  let ehr: Served;
  let answer: Record<string, unknown> = {};
  beforeAll(async () => {
    ehr = await serve((_req, res) => json(res, answer));
  });
  afterAll(() => ehr.close());
  const exchange = (body: Record<string, unknown>) => {
    answer = body;
    return exchangeCode({
      smartConfig: config(ehr.origin),
      clientId: "app",
      redirectUri: "http://127.0.0.1/cb",
      code: "code-1234567890",
      codeVerifier: "v".repeat(43),
    });
  };
  const base = { access_token: "at-1234567890", token_type: "Bearer", scope: "patient/Observation.rs" };

  it("token_type in any case is Bearer (E13); expires_in as a string is coerced (E2)", async () => {
    for (const type of ["bearer", "BEARER", "bEaReR"])
      expect((await exchange({ ...base, token_type: type, expires_in: "3600" })).token_type).toBe("Bearer");
    const t = await exchange({ ...base, expires_in: "3600" });
    expect(t.expires_in).toBe(3600);
    expect(t.expires_at! - Date.now()).toBeGreaterThan(3_590_000);
  });

  it("a wider scope than requested is kept as granted and confirmed (E1)", async () => {
    const tokens = await exchange({ ...base, scope: "patient/*.cruds user/*.cruds" });
    const smart = new SmartClient({
      smartConfig: config(ehr.origin),
      clientId: "app",
      fhirBaseUrl: `${ehr.origin}/fhir`,
      tokens,
      requestedScope: "patient/Observation.rs",
    });
    expect(smart.scopes.allows("delete", "Patient", "user")).toBe(true);
    expect(smart.scopesConfirmed).toBe(true);
  });

  it("an absurd expires_in (1e306 s) is an unknown expiry, not Infinity (fixed in token-store toStoredToken)", async () => {
    const t = await exchange({ ...base, expires_in: 1e306 });
    expect(t.expires_at === undefined || Number.isFinite(t.expires_at)).toBe(true);
  });

  // Real servers send JSON null (and "") for members they do not have; E1/E2 say a missing scope or
  // expires_in must not fail the login, and "" is no refresh token.
  for (const [member, value] of [
    ["expires_in", null],
    ["expires_in", ""],
    ["expires_in", -5],
    ["scope", null],
    ["refresh_token", null],
    ["refresh_token", ""],
    ["id_token", null],
  ] as const) {
    it(`"${member}": ${JSON.stringify(value)} is treated as absent, not a failed login (E1, E2)`, async () => {
      const t = await exchange({ ...base, [member]: value });
      expect(t.access_token).toBe("at-1234567890");
      if (member === "expires_in" && value === -5) expect(t.expires_at! <= Date.now()).toBe(true);
      else if (member === "expires_in") expect(t.expires_at).toBeUndefined();
      else expect(t[member] === undefined || t[member] === null).toBe(true);
    });
  }
});

describe("slow endpoints: every timeout is honoured and typed", () => {
  let tarpit: Served;
  beforeAll(async () => {
    tarpit = await serve(() => new Promise(() => undefined));
  });
  afterAll(() => tarpit.close());

  it("discovery of an EHR launch iss that never answers: DiscoveryError timeout within timeoutMs", async () => {
    clearDiscoveryCache();
    const launch = new SmartLaunch({
      clientId: "app",
      redirectUri: "http://127.0.0.1/cb",
      scope: "patient/*.rs",
      trustedIssuers: [`${tarpit.origin}/fhir`],
      timeoutMs: 300,
      allowUnboundState: true,
    });
    const started = Date.now();
    const error = await rejection(launch.ehrLaunch({ iss: `${tarpit.origin}/fhir`, launch: "l-1" }));
    expect(DiscoveryError.is(error) && error.code).toBe("discovery_timeout");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("a token endpoint that never answers: code exchange times out once, never replayed (E9)", async () => {
    const started = Date.now();
    const error = await rejection(
      exchangeCode({
        smartConfig: config(tarpit.origin),
        clientId: "app",
        redirectUri: "http://127.0.0.1/cb",
        code: "code-1234567890",
        codeVerifier: "v".repeat(43),
        timeoutMs: 300,
      }),
    );
    expect(SmartAuthError.is(error) && error.code).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(tarpit.seen.filter((r) => r.url === "/auth/token")).toHaveLength(1);
  });

  it("a JWKS endpoint that never answers: the callback fails with invalid_id_token within timeoutMs", async () => {
    const key = await generateKeyPair("RS256");
    const idToken = await new SignJWT({ sub: "u" })
      .setProtectedHeader({ alg: "RS256", kid: "k" })
      .setIssuer("https://i.example")
      .setAudience("app")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(key.privateKey);
    const { verifyIdToken } = await import("../src/index.js");
    const started = Date.now();
    const error = await rejection(
      verifyIdToken(idToken, {
        smartConfig: { ...config(tarpit.origin), issuer: "https://i.example", jwks_uri: `${tarpit.origin}/jwks` },
        clientId: "app",
        timeoutMs: 300,
      }),
    );
    expect(SmartAuthError.is(error) && error.code).toBe("invalid_id_token");
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("plain http to a non-loopback host is refused before any request (checklist 2.1, E15)", () => {
  it("discovery, EHR/standalone launch, BackendServicesAuth, code exchange and SmartClient all refuse http://ehr.example", async () => {
    const calls: string[] = [];
    const spy = (async (input: RequestInfo | URL) => {
      calls.push(String(input));
      return new Response("{}");
    }) as typeof fetch;
    const http = "http://ehr.example/fhir";
    const attempts: Promise<unknown>[] = [
      discoverSmartConfiguration(http, { fetch: spy }),
      new SmartLaunch({
        clientId: "a",
        redirectUri: "http://127.0.0.1/cb",
        scope: "patient/*.rs",
        trustedIssuers: [http],
        fetch: spy,
        allowUnboundState: true,
      }).ehrLaunch({ iss: http, launch: "x" }),
      new SmartLaunch({
        clientId: "a",
        redirectUri: "http://127.0.0.1/cb",
        scope: "patient/*.rs",
        fhirBaseUrl: http,
        fetch: spy,
        allowUnboundState: true,
      }).standaloneLaunch(),
      exchangeCode({
        smartConfig: config("http://ehr.example"),
        clientId: "a",
        redirectUri: "http://127.0.0.1/cb",
        code: "c-123456",
        codeVerifier: "v".repeat(43),
        fetch: spy,
      }),
      Promise.resolve().then(
        () =>
          new BackendServicesAuth({
            issuer: http,
            clientId: "a",
            scope: "system/*.rs",
            clientAuth: { method: "client_secret_post", clientSecret: "s" },
            fetch: spy,
          }),
      ),
      Promise.resolve().then(
        () =>
          new SmartClient({
            smartConfig: config("https://ehr.example"),
            clientId: "a",
            fhirBaseUrl: http,
            tokens: { access_token: "at", token_type: "Bearer" },
            fetch: spy,
          }),
      ),
    ];
    for (const attempt of attempts) {
      const error = await rejection(attempt);
      const code = SmartAuthError.is(error) || DiscoveryError.is(error) ? error.code : String(error);
      expect(["insecure_url", "discovery_insecure_url"]).toContain(code);
    }
    expect(calls).toEqual([]);
  });

  it("a document served on loopback whose endpoints are plain http on a remote host is refused", async () => {
    const evil = await serve((_req, res) =>
      json(res, {
        token_endpoint: "http://evil.example/token",
        capabilities: [],
        code_challenge_methods_supported: ["S256"],
      }),
    );
    try {
      const error = await rejection(discoverSmartConfiguration(`${evil.origin}/fhir`, { cache: false }));
      expect(DiscoveryError.is(error) && error.code).toBe("discovery_insecure_url");
    } finally {
      await evil.close();
    }
  });
});

describe("an authorization server that sends the redirect somewhere else (a stolen code and state)", () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    await sandbox.registerClient({ clientId: "app", redirectUris: ["http://127.0.0.1/cb"] });
  });
  afterAll(() => sandbox?.close());

  it("the thief's own app instance refuses the victim's redirect (unknown state) without a token request; a wrong session burns the state; the code alone is useless without the verifier (checklist 2.3, 2.33, 2.39)", async () => {
    const options = {
      clientId: "app",
      redirectUri: "http://127.0.0.1/cb",
      scope: "patient/*.rs",
      trustedIssuers: [sandbox.fhirBaseUrl],
    };
    const victimApp = new SmartLaunch(options);
    const thiefApp = new SmartLaunch(options);
    const start = await victimApp.standaloneLaunch({ fhirBaseUrl: sandbox.fhirBaseUrl, session: "victim-session" });
    const stolen = await sandbox.authorize(start.url);
    sandbox.stats.reset();

    expect(await rejection(thiefApp.handleCallback(stolen))).toMatchObject({ code: "invalid_state" });
    expect(await rejection(victimApp.handleCallback(stolen, { session: "thief-session" }))).toMatchObject({
      code: "invalid_state",
    });
    expect(sandbox.stats.tokenRequests).toBe(0);
    // the state is single use: even the victim cannot finish with it now, and the thief's verifier-less exchange fails
    expect(await rejection(victimApp.handleCallback(stolen, { session: "victim-session" }))).toMatchObject({
      code: "invalid_state",
    });
    const smartConfig = await discoverSmartConfiguration(sandbox.fhirBaseUrl);
    const error = await rejection(
      exchangeCode({
        smartConfig,
        clientId: "app",
        redirectUri: "http://127.0.0.1/cb",
        code: stolen.searchParams.get("code")!,
        codeVerifier: "x".repeat(43),
      }),
    );
    expect(SmartAuthError.is(error) && error.error).toBe("invalid_grant");
  });

  it("narrower scopes from the server are what the session can do (E1)", async () => {
    sandbox.faults.narrowScope("patient/Patient.rs");
    try {
      const launch = new SmartLaunch({
        clientId: "app",
        redirectUri: "http://127.0.0.1/cb",
        scope: "patient/Patient.rs patient/Observation.rs",
        trustedIssuers: [sandbox.fhirBaseUrl],
        allowUnboundState: true,
      });
      const start = await launch.standaloneLaunch({ fhirBaseUrl: sandbox.fhirBaseUrl });
      const smart = await launch.handleCallback(await sandbox.authorize(start.url));
      expect(smart.scopes.allows("read", "Patient")).toBe(true);
      expect(smart.scopes.allows("read", "Observation")).toBe(false);
    } finally {
      sandbox.faults.reset();
    }
  });
});
