import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { InMemoryTokenStore, type StoredToken, type TokenStore } from "@fhir-dsl/smart";
import { startSandbox, type Sandbox } from "@fhir-dsl/smart-sandbox";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "../src/app.js";
import { FhirError, searchAll } from "../src/fhir.js";
import { RateLimit } from "../src/rate-limit.js";
import { randomId, Sessions, sessionTag } from "../src/sessions.js";

/** A browser's cookie jar, by name (one host, paths ignored: enough for these requests). */
class Jar {
  readonly cookies = new Map<string, string>();
  readonly raw: string[] = [];
  take(response: Response): Response {
    for (const line of response.headers.getSetCookie()) {
      this.raw.push(line);
      const [pair] = line.split(";");
      const [name, value] = [pair!.slice(0, pair!.indexOf("=")), pair!.slice(pair!.indexOf("=") + 1)];
      if (/max-age=0/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  async get(url: string): Promise<Response> {
    return this.take(await fetch(url, { headers: { cookie: this.header() }, redirect: "manual" }));
  }
  async post(url: string): Promise<Response> {
    return this.take(await fetch(url, { method: "POST", headers: { cookie: this.header() }, redirect: "manual" }));
  }
}

/** A store that records every key it sees, to check what reaches it. */
class KeyRecorder extends InMemoryTokenStore {
  readonly keys = new Set<string>();
  override async set(key: string, value: StoredToken): Promise<void> {
    this.keys.add(key);
    return super.set(key, value);
  }
  override async get(key: string): Promise<StoredToken | undefined> {
    this.keys.add(key);
    return super.get(key);
  }
}

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(() => sandbox?.close());

async function app(
  extra: Parameters<typeof startApp>[0] = {},
  store: TokenStore = new KeyRecorder(),
): Promise<RunningApp & { store: TokenStore }> {
  const running = await startApp({ port: 0, sandbox, tokenStore: store, ...extra });
  return Object.assign(running, { store });
}

/** A standalone launch through the real sandbox, as a browser with `jar` does it; returns the patient page path. */
async function login(running: RunningApp, jar: Jar): Promise<string> {
  const started = await jar.post(`${running.url}/standalone`);
  expect(started.status).toBe(302);
  const callback = await sandbox.authorize(started.headers.get("location")!);
  const done = await jar.get(callback.href);
  expect(done.status).toBe(303);
  return done.headers.get("location")!;
}

const sessionCookie = (jar: Jar) => jar.cookies.get("app_session");

describe("example app sessions (issue 15 §7, SECURITY.md F19)", () => {
  it("the session id is rotated at each login (the callback); the old id's launches move to the new one and the old id finds nothing", async () => {
    const running = await app();
    try {
      const jar = new Jar();
      const first = await login(running, jar);
      const s1 = sessionCookie(jar)!;
      expect(s1).toBeDefined();
      const second = await login(running, jar);
      const s2 = sessionCookie(jar)!;
      expect(s2).not.toBe(s1);
      // the browser keeps both launches under its new id
      for (const path of [first, second]) expect((await jar.get(`${running.url}${path}`)).status).toBe(200);
      // whoever kept the old id (fixation) gets neither
      const old = new Jar();
      old.cookies.set("app_session", s1);
      for (const path of [first, second]) expect((await old.get(`${running.url}${path}`)).status).toBe(404);
      expect(await (await old.get(`${running.url}/`)).text()).not.toContain(first.split("/").pop());
    } finally {
      await running.close();
    }
  });

  it("a planted cookie (any id the server never issued) is never adopted: the login gets a fresh id and the planter sees nothing", async () => {
    const running = await app();
    try {
      const planted = [
        randomId(),
        `${randomId()}.${randomId()}`,
        `${randomId()}.`,
        "x",
        `${randomId()}.${randomId()}.${randomId()}`,
      ];
      for (const value of planted) {
        const victim = new Jar();
        victim.cookies.set("app_session", value);
        const path = await login(running, victim);
        expect(sessionCookie(victim)).not.toBe(value);
        expect(sessionCookie(victim)!.split(".")[0]).not.toBe(value.split(".")[0]);
        const attacker = new Jar();
        attacker.cookies.set("app_session", value);
        expect((await attacker.get(`${running.url}${path}`)).status).toBe(404);
      }
    } finally {
      await running.close();
    }
  });

  it("store keys carry a hash of the session id, never the cookie value or the id", async () => {
    const store = new KeyRecorder();
    const running = await app({}, store);
    try {
      const jar = new Jar();
      await login(running, jar);
      await login(running, jar);
      const value = sessionCookie(jar)!;
      const id = value.split(".")[0]!;
      expect(store.keys.size).toBeGreaterThan(0);
      for (const key of store.keys) {
        expect(key).not.toContain(id);
        expect(key).toMatch(/^app:[\w-]{22}:[\w-]{43}$/);
      }
      expect([...store.keys].some((k) => k.startsWith(`app:${sessionTag(id)}:`))).toBe(true);
      // nor the pages: the start page and the patient page
      const pages =
        (await (await jar.get(`${running.url}/`)).text()) + (await (await jar.get(`${running.url}/patient`)).text());
      expect(pages).not.toContain(id);
    } finally {
      await running.close();
    }
  });

  it("cookies: plain names on http; `__Host-` and Secure when `secure` is set (a TLS proxy in front), with Path=/ and no Domain", async () => {
    const plain = await app();
    const proxied = await app({ session: { secure: true } });
    try {
      const jar = new Jar();
      await login(plain, jar);
      expect(jar.raw.find((l) => l.startsWith("app_session="))).toMatch(/HttpOnly/);
      expect(jar.raw.some((l) => /; Secure/i.test(l))).toBe(false);

      const behindProxy = new Jar();
      const started = await behindProxy.post(`${proxied.url}/standalone`);
      const binding = behindProxy.raw.find((l) => l.startsWith("__Host-launch_"))!;
      expect(binding).toMatch(/; Path=\/(;|$)/);
      expect(binding).toMatch(/; Secure/);
      const callback = await sandbox.authorize(started.headers.get("location")!);
      expect((await behindProxy.get(callback.href)).status).toBe(303);
      const session = behindProxy.raw.find((l) => l.startsWith("__Host-app_session="))!;
      expect(session).toMatch(/; Secure/);
      expect(session).toMatch(/; HttpOnly/);
      expect(session).toMatch(/; Path=\/(;|$)/);
      expect(session).not.toMatch(/Domain=/i);
      expect(behindProxy.raw.some((l) => l.startsWith("app_session="))).toBe(false);
      // a non-prefixed cookie is not read when the app runs secure (a subdomain could have set it)
      const sneaky = new Jar();
      sneaky.cookies.set("app_session", behindProxy.cookies.get("__Host-app_session")!);
      const path = (await behindProxy.get(`${proxied.url}/patient`)).headers.get("location")!;
      expect((await sneaky.get(`${proxied.url}${path}`)).status).toBe(404);
    } finally {
      await Promise.all([plain.close(), proxied.close()]);
    }
  });

  it("a callback without its binding cookie is refused (invalid_state), never run unbound (checklist 2.33)", async () => {
    const running = await app();
    try {
      const jar = new Jar();
      const started = await jar.post(`${running.url}/standalone`);
      const callback = await sandbox.authorize(started.headers.get("location")!);
      const stranger = new Jar();
      const response = await stranger.get(callback.href);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("This sign-in has expired");
    } finally {
      await running.close();
    }
  });

  it("launch starts are rate-limited per client address: 429 with Retry-After, no pending record made", async () => {
    const running = await app({ launchRateLimit: { max: 3, windowMs: 60_000 } });
    try {
      const jar = new Jar();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await jar.post(`${running.url}/standalone`)).status);
      expect(statuses).toEqual([302, 302, 302, 429, 429, 429]);
      const refused = await jar.get(`${running.url}/launch?iss=${encodeURIComponent(running.fhirBaseUrl)}&launch=x`);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(jar.raw.filter((l) => l.startsWith("launch_"))).toHaveLength(3);
    } finally {
      await running.close();
    }
  });
});

describe("unit: Sessions, RateLimit", () => {
  it("Sessions.verify accepts only values it signed; another secret's are planted", () => {
    const a = new Sessions({ secret: "a".repeat(32) });
    const b = new Sessions({ secret: "b".repeat(32) });
    const app = new Hono();
    let issued = "";
    app.get("/", (c) => {
      a.issue(c, randomId());
      return c.text("ok");
    });
    return Promise.resolve(app.request("/")).then((response) => {
      issued = response.headers.getSetCookie()[0]!.split(";")[0]!.split("=")[1]!;
      expect(a.verify(issued)).toBe(issued.split(".")[0]);
      expect(b.verify(issued)).toBeUndefined();
      expect(a.verify(`${randomId()}.${issued.split(".")[1]}`)).toBeUndefined();
      expect(() => new Sessions({ secret: "short" })).toThrow(TypeError);
    });
  });

  it("RateLimit: a window per client, bounded memory", () => {
    let now = 0;
    const limit = new RateLimit(2, 1_000, () => now, 100);
    expect([limit.take("a"), limit.take("a"), limit.take("a"), limit.take("b")]).toEqual([0, 0, 1, 0]);
    now = 1_000;
    expect(limit.take("a")).toBe(0);
    for (let i = 0; i < 10_000; i++) limit.take(`flood-${i}`);
    expect(limit.clients).toBeLessThanOrEqual(100);
  });
});

describe("the patient page's searches cap the pages they follow (issue 15 §7)", () => {
  let server: Server;
  let base: string;
  let requests = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      const url = new URL(req.url!, base);
      const page = Number(url.searchParams.get("page") ?? 0);
      const next =
        url.pathname === "/self"
          ? url.href
          : url.pathname === "/endless"
            ? `${base}/endless?page=${page + 1}`
            : page < 2
              ? `${base}/honest?page=${page + 1}`
              : undefined;
      res.setHeader("content-type", "application/fhir+json");
      res.end(
        JSON.stringify({
          resourceType: "Bundle",
          entry: [{ resource: { id: `o${page}` } }],
          link: next ? [{ relation: "next", url: next }] : [],
        }),
      );
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("a self-link: one request, then FhirError; an endless chain stops at maxPages (default 100); an honest search is read whole", async () => {
    requests = 0;
    await expect(searchAll(fetch, `${base}/self`, "Observation search")).rejects.toThrow(FhirError);
    expect(requests).toBe(1);
    requests = 0;
    await expect(searchAll(fetch, `${base}/endless?page=0`, "Observation search")).rejects.toThrow(
      /more than 100 pages/,
    );
    expect(requests).toBe(100);
    expect(await searchAll<{ id: string }>(fetch, `${base}/honest?page=0`, "Observation search", 3)).toEqual([
      { id: "o0" },
      { id: "o1" },
      { id: "o2" },
    ]);
  });
});
