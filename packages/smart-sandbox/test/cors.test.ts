import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../src/index.js";

// checklist 2.10 (SMART 2.2 app-launch.html#considerations-for-cross-origin-resource-sharing-cors-support):
// discovery from any origin; token, introspection, revocation and FHIR from a client's registered origin(s)
const APP_ORIGIN = "http://127.0.0.1:4173";
const OTHER_ORIGINS = [
  "http://127.0.0.1:4174",
  "https://127.0.0.1:4173",
  "http://localhost:4173",
  "null",
  "http://evil.example",
];
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    clients: [
      { clientId: "spa", redirectUris: [`${APP_ORIGIN}/index.html`] },
      { clientId: "server-app", clientSecret: "s3cret-value", redirectUris: [`${APP_ORIGIN}/callback`] },
      {
        clientId: "spa-explicit",
        redirectUris: [`${APP_ORIGIN}/index.html`],
        allowedOrigins: ["http://127.0.0.1:5000"],
      },
    ],
  });
});
afterAll(() => sandbox?.close());

const preflight = (url: string, origin: string, method = "POST") =>
  fetch(url, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": method,
      "access-control-request-headers": "content-type, authorization",
    },
  });
const form = (url: string, origin: string, body: Record<string, string>) =>
  fetch(url, {
    method: "POST",
    headers: { origin, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams(body),
  });

describe("CORS for browser clients", () => {
  it("answers the preflight of token, introspection, revocation, JWKS and FHIR endpoints; never with credentials", async () => {
    const urls = [
      sandbox.tokenEndpoint,
      sandbox.introspectionEndpoint,
      sandbox.revocationEndpoint,
      sandbox.jwksUri,
      `${sandbox.fhirBaseUrl}/Patient`,
    ];
    for (const url of urls) {
      const res = await preflight(url, APP_ORIGIN, url.includes("/fhir") || url.endsWith("/jwks") ? "GET" : "POST");
      expect(res.status, url).toBe(204);
      expect(res.headers.get("access-control-allow-origin"), url).toMatch(new RegExp(`^(\\*|${APP_ORIGIN})$`));
      expect(res.headers.get("access-control-allow-credentials"), url).toBeNull();
    }
    expect((await preflight(sandbox.tokenEndpoint, APP_ORIGIN)).headers.get("access-control-allow-headers")).toMatch(
      /content-type/i,
    );
  });

  it("a token request from the public client's registered origin is readable cross-origin (origin echoed, not *)", async () => {
    const res = await form(sandbox.tokenEndpoint, APP_ORIGIN, {
      grant_type: "authorization_code",
      client_id: "spa",
      code: "bad",
      redirect_uri: `${APP_ORIGIN}/index.html`,
      code_verifier: "v".repeat(43),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });
    expect(res.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    const revoke = await form(sandbox.revocationEndpoint, APP_ORIGIN, { client_id: "spa", token: "not-a-token" });
    expect(revoke.status).toBe(200);
    expect(revoke.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
  });

  it("any other origin, a confidential client's origin, or an origin outside allowedOrigins gets no CORS header and invalid_request", async () => {
    const cases: [string, string, Record<string, string>][] = [
      ...OTHER_ORIGINS.map((o): [string, string, Record<string, string>] => [o, "spa", { client_id: "spa" }]),
      [APP_ORIGIN, "server-app", { client_id: "server-app", client_secret: "s3cret-value" }],
      [APP_ORIGIN, "spa-explicit", { client_id: "spa-explicit" }],
    ];
    for (const [origin, clientId, auth] of cases) {
      const res = await form(sandbox.revocationEndpoint, origin, { ...auth, token: "not-a-token" });
      expect(res.status, `${clientId} from ${origin}`).toBe(400);
      expect(res.headers.get("access-control-allow-origin"), `${clientId} from ${origin}`).toBeNull();
      expect(((await res.json()) as { error_description?: string }).error_description).toContain("not allowed");
    }
    const explicit = await form(sandbox.revocationEndpoint, "http://127.0.0.1:5000", {
      client_id: "spa-explicit",
      token: "not-a-token",
    });
    expect(explicit.headers.get("access-control-allow-origin")).toBe("http://127.0.0.1:5000");
  });

  it("discovery and JWKS are readable from any origin", async () => {
    const discovery = await fetch(`${sandbox.fhirBaseUrl}/.well-known/smart-configuration`, {
      headers: { origin: "http://evil.example" },
    });
    expect(discovery.headers.get("access-control-allow-origin")).toBe("*");
    const jwks = await fetch(sandbox.jwksUri, { headers: { origin: APP_ORIGIN } });
    expect(jwks.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
  });

  it("allowedOrigins must be origins (no path, no *)", async () => {
    for (const bad of [["*"], ["http://a.example/app"], ["ftp://a.example"], "http://a.example"]) {
      await expect(
        sandbox.registerClient({ clientId: "x", redirectUris: ["http://a.example/"], allowedOrigins: bad as string[] }),
      ).rejects.toThrow(TypeError);
    }
  });
});
