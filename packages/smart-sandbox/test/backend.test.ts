import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../src/index.js";
import {
  clientAssertion,
  discover,
  fhirGet,
  insecure,
  type KeyPair,
  keyPair,
  smartPrivateKeyJwt,
  tokenPost,
} from "./helpers.js";

let sandbox: Sandbox;
let as: oauth.AuthorizationServer;
let rsKey: KeyPair;
let esKey: KeyPair;
let strangerKey: KeyPair;
let jwksServer: Server;
let jwksHits = 0;
const refused: string[] = [];

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

beforeAll(async () => {
  [rsKey, esKey, strangerKey] = await Promise.all([
    keyPair("RS384", "rs-backend"),
    keyPair("ES384", "es-backend"),
    keyPair("ES384", "es-backend"),
  ]);
  jwksServer = createServer((_req, res) => {
    jwksHits += 1;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [esKey.publicJwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
  const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  sandbox = await startSandbox({
    logger: (line) => refused.push(line),
    clients: [
      { clientId: "backend-rs", jwks: { keys: [rsKey.publicJwk] } },
      { clientId: "backend-es", jwks: { keys: [esKey.publicJwk] } },
      { clientId: "backend-uri", jwksUri },
      { clientId: "backend-limited", jwks: { keys: [esKey.publicJwk] }, scope: "system/Patient.rs" },
    ],
  });
  as = await discover(sandbox);
});
afterAll(async () => {
  await sandbox.close();
  await new Promise((resolve) => jwksServer.close(resolve));
});

async function backendToken(clientId: string, key: KeyPair, scope = "system/Patient.rs system/Observation.rs") {
  const client = { client_id: clientId };
  const res = await oauth.clientCredentialsGrantRequest(
    as,
    client,
    smartPrivateKeyJwt(sandbox, key),
    { scope },
    insecure,
  );
  return oauth.processClientCredentialsResponse(as, client, res);
}

function assertionBody(assertion: string, scope = "system/*.rs") {
  return {
    grant_type: "client_credentials",
    scope,
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: assertion,
  };
}

describe("client_credentials with private_key_jwt (SMART backend services, checklist 5.x)", () => {
  it("RS384 key registered as a JWKS", async () => {
    const tokens = await backendToken("backend-rs", rsKey);
    expect(tokens.scope).toBe("system/Patient.rs system/Observation.rs");
    expect(tokens.expires_in).toBe(300);
    expect(tokens.refresh_token).toBeUndefined();
    expect((await fhirGet(sandbox, "Patient", tokens.access_token)).body.total).toBe(5);
  });

  it("ES384 key registered as a JWKS", async () => {
    const tokens = await backendToken("backend-es", esKey);
    expect(tokens.token_type).toBe("bearer");
  });

  it("ES384 key served from a jwks_uri on 127.0.0.1", async () => {
    const tokens = await backendToken("backend-uri", esKey);
    expect(tokens.access_token).toBeTypeOf("string");
    expect(jwksHits).toBeGreaterThan(0);
  });

  it("keeps only system/ scopes and the client's limit; nothing grantable is invalid_scope", async () => {
    const tokens = await backendToken("backend-es", esKey, "system/Patient.rs patient/Observation.rs user/*.rs");
    expect(tokens.scope).toBe("system/Patient.rs");
    const limited = await backendToken("backend-limited", esKey, "system/Patient.rs system/Observation.rs");
    expect(limited.scope).toBe("system/Patient.rs");
    const res = await tokenPost(
      sandbox,
      assertionBody(await clientAssertion(sandbox, "backend-es", esKey), "patient/*.rs"),
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid_scope");
  });

  it("accepts a hand-made assertion with typ JWT and aud = token endpoint (E7)", async () => {
    const res = await tokenPost(sandbox, assertionBody(await clientAssertion(sandbox, "backend-es", esKey)));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("no-store");
  });
});

describe("refused client assertions", () => {
  const refusedWith = async (assertion: string, clientId = "backend-es") => {
    const res = await tokenPost(sandbox, { ...assertionBody(assertion), client_id: clientId });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe("invalid_client");
    return res;
  };

  it("a replayed jti (E5)", async () => {
    const jti = crypto.randomUUID();
    const first = await tokenPost(sandbox, assertionBody(await clientAssertion(sandbox, "backend-es", esKey, { jti })));
    expect(first.status).toBe(200);
    await refusedWith(await clientAssertion(sandbox, "backend-es", esKey, { jti }));
  });

  it("an expired assertion", async () => {
    const iat = Math.floor(Date.now() / 1000) - 600;
    await refusedWith(await clientAssertion(sandbox, "backend-es", esKey, { iat, expiresIn: 60 }));
  });

  it("an exp more than 5 minutes ahead (E4)", async () => {
    await refusedWith(await clientAssertion(sandbox, "backend-es", esKey, { expiresIn: 600 }));
  });

  it("a wrong aud: the FHIR base is not the token endpoint (E7)", async () => {
    await refusedWith(await clientAssertion(sandbox, "backend-es", esKey, { aud: sandbox.fhirBaseUrl }));
  });

  it("a missing typ header (E17)", async () => {
    await refusedWith(await clientAssertion(sandbox, "backend-es", esKey, { typ: null }));
  });

  it("a key that is not registered, even with the registered kid", async () => {
    await refusedWith(await clientAssertion(sandbox, "backend-es", strangerKey));
    await refusedWith(await clientAssertion(sandbox, "backend-uri", strangerKey), "backend-uri");
  });

  it("an RS384 assertion for a client that registered only an ES384 key", async () => {
    await refusedWith(await clientAssertion(sandbox, "backend-es", rsKey));
  });

  it("the logger names the reason, never the assertion", () => {
    expect(refused.some((l) => l.includes("only be used once"))).toBe(true);
    for (const line of refused) expect(line).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });
});

describe("other backend clients", () => {
  it("a symmetric client may use client_credentials when registered for it", async () => {
    await sandbox.registerClient({
      clientId: "backend-secret",
      clientSecret: "another-secret",
      grantTypes: ["client_credentials"],
    });
    const client = { client_id: "backend-secret" };
    const res = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic("another-secret"),
      { scope: "system/Observation.rs" },
      insecure,
    );
    expect((await oauth.processClientCredentialsResponse(as, client, res)).scope).toBe("system/Observation.rs");
  });

  it("a public client cannot use client_credentials", async () => {
    await sandbox.registerClient({ clientId: "public-x", redirectUris: ["http://127.0.0.1:1/cb"] });
    const res = await tokenPost(sandbox, {
      grant_type: "client_credentials",
      client_id: "public-x",
      scope: "system/*.rs",
    });
    expect(res.status).toBe(400);
    expect(["unauthorized_client", "invalid_request"]).toContain(res.body.error);
  });
});
