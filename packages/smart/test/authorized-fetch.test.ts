import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuthProvider } from "../src/auth-provider.js";
import { createAuthorizedFetch } from "../src/authorized-fetch.js";
import { fhirBaseMatcher } from "../src/fhir-base.js";

interface Hit {
  path: string;
  method: string;
  authorization: string | undefined;
  body: string;
}

async function server(handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void) {
  const hits: Hit[] = [];
  const s = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      hits.push({ path: req.url!, method: req.method!, authorization: req.headers.authorization, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise((r) => s.close(r)),
  };
}

/** A provider like BackendServicesAuth: token N, renewed on onUnauthorized, only under its base. */
function provider(base: string) {
  const inBase = fhirBaseMatcher(base);
  let n = 1;
  const calls = { unauthorized: 0 };
  const auth: AuthProvider = {
    getAuthorization: (req) => (inBase(req.url) ? `Bearer token-${n}` : undefined),
    onUnauthorized: () => {
      calls.unauthorized++;
      n++;
    },
  };
  return { auth, calls };
}

describe("createAuthorizedFetch (checklist E20, E21)", () => {
  let fhir: Awaited<ReturnType<typeof server>>;
  let other: Awaited<ReturnType<typeof server>>;
  let rejectTokens = new Set<string>();

  beforeAll(async () => {
    other = await server((_req, res) => res.end("{}"));
    fhir = await server((req, res) => {
      if (rejectTokens.has(req.headers.authorization ?? "")) {
        res.writeHead(401, { "www-authenticate": 'Bearer error="invalid_token"' }).end();
        return;
      }
      if (req.url === "/fhir/redirect-away") res.writeHead(302, { location: `${other.url}/fhir/Patient` }).end();
      else if (req.url === "/fhir/redirect-home") res.writeHead(307, { location: "/fhir/Patient/2" }).end();
      else
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            resourceType: "Bundle",
            link: [{ relation: "next", url: `${other.url}/fhir/Patient?page=2` }],
          }),
        );
    });
  });
  afterAll(async () => {
    await fhir.close();
    await other.close();
  });

  it("attaches the token under the FHIR base and nowhere else", async () => {
    const { auth } = provider(`${fhir.url}/fhir`);
    const f = createAuthorizedFetch(auth);
    await f(`${fhir.url}/fhir/Patient`);
    await f(`${fhir.url}/other/Patient`);
    await f(`${other.url}/fhir/Patient`);
    expect(fhir.hits.at(-2)!.authorization).toBe("Bearer token-1");
    expect(fhir.hits.at(-1)!.authorization).toBeUndefined();
    expect(other.hits.at(-1)!.authorization).toBeUndefined();
  });

  it("a pagination next link on another origin gets no token", async () => {
    const { auth } = provider(`${fhir.url}/fhir`);
    const f = createAuthorizedFetch(auth);
    const bundle = (await (await f(`${fhir.url}/fhir/Patient`)).json()) as { link: { url: string }[] };
    await f(bundle.link[0]!.url);
    expect(other.hits.at(-1)!.path).toBe("/fhir/Patient?page=2");
    expect(other.hits.at(-1)!.authorization).toBeUndefined();
  });

  it("a redirect to another origin drops the token; a redirect home keeps it and the POST body", async () => {
    const { auth } = provider(`${fhir.url}/fhir`);
    const f = createAuthorizedFetch(auth);
    const away = await f(`${fhir.url}/fhir/redirect-away`);
    expect(away.status).toBe(200);
    expect(other.hits.at(-1)!.authorization).toBeUndefined();
    const home = await f(`${fhir.url}/fhir/redirect-home`, {
      method: "POST",
      body: '{"a":1}',
      headers: { "content-type": "application/json" },
    });
    expect(home.status).toBe(200);
    expect(fhir.hits.at(-1)).toMatchObject({
      path: "/fhir/Patient/2",
      method: "POST",
      authorization: "Bearer token-1",
      body: '{"a":1}',
    });
  });

  it("on 401: onUnauthorized once, one retry with the new token and the same body", async () => {
    const { auth, calls } = provider(`${fhir.url}/fhir`);
    rejectTokens = new Set(["Bearer token-1"]);
    const f = createAuthorizedFetch(auth);
    const res = await f(`${fhir.url}/fhir/Observation`, { method: "POST", body: "payload" });
    expect(res.status).toBe(200);
    expect(calls.unauthorized).toBe(1);
    expect(fhir.hits.slice(-2).map((h) => [h.authorization, h.body])).toEqual([
      ["Bearer token-1", "payload"],
      ["Bearer token-2", "payload"],
    ]);
  });

  it("a second 401 is returned, not retried again (no refresh storm)", async () => {
    const { auth, calls } = provider(`${fhir.url}/fhir`);
    rejectTokens = new Set(["Bearer token-1", "Bearer token-2"]);
    const before = fhir.hits.length;
    const res = await createAuthorizedFetch(auth)(`${fhir.url}/fhir/Patient`);
    expect(res.status).toBe(401);
    expect(calls.unauthorized).toBe(1);
    expect(fhir.hits.length - before).toBe(2);
    rejectTokens = new Set();
  });

  it("an Authorization header set by the caller is kept and never forwarded to another origin", async () => {
    const { auth } = provider(`${fhir.url}/fhir`);
    const f = createAuthorizedFetch(auth);
    await f(`${fhir.url}/fhir/redirect-away`, { headers: { authorization: "Basic dXNlcjpwdw==" } });
    expect(fhir.hits.at(-1)!.authorization).toBe("Basic dXNlcjpwdw==");
    expect(other.hits.at(-1)!.authorization).toBeUndefined();
  });
});
