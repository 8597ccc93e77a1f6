import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PagingError, searchAll } from "../src/fhir.js";

// A FHIR server whose `next` links are hostile: a self-link, an endless chain, or an honest three pages.
let server: Server;
let base: string;
let requests = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    const url = new URL(req.url!, base);
    const page = Number(url.searchParams.get("page") ?? 0);
    const next = {
      self: url.href,
      endless: `${base}/endless?page=${page + 1}`,
      honest: page < 2 ? `${base}/honest?page=${page + 1}` : undefined,
      cycle: `${base}/cycle?page=${(page + 1) % 3}`,
    }[url.pathname.slice(1)];
    res.setHeader("content-type", "application/fhir+json");
    res.end(
      JSON.stringify({
        resourceType: "Bundle",
        entry: [{ resource: { resourceType: "Patient", id: `p${page}` } }],
        link: next ? [{ relation: "next", url: next }] : [],
      }),
    );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("searchAll caps the pages it follows (issue 15 §7)", () => {
  it("a self-link is one request and a PagingError, not a spin", async () => {
    requests = 0;
    await expect(searchAll(fetch, `${base}/self`)).rejects.toThrow(PagingError);
    expect(requests).toBe(1);
  });

  it("a cycle through three pages stops when a page repeats", async () => {
    requests = 0;
    await expect(searchAll(fetch, `${base}/cycle?page=0`)).rejects.toThrow(/already read/);
    expect(requests).toBe(3);
  });

  it("an endless chain of new pages stops at maxPages (default 1,000)", async () => {
    requests = 0;
    await expect(searchAll(fetch, `${base}/endless?page=0`, 25)).rejects.toThrow(/more than 25 pages/);
    expect(requests).toBe(25);
    requests = 0;
    await expect(searchAll(fetch, `${base}/endless?page=0`)).rejects.toThrow(/more than 1000 pages/);
    expect(requests).toBe(1_000);
  }, 30_000);

  it("an honest search of three pages is read whole", async () => {
    const { resources, pages } = await searchAll(fetch, `${base}/honest?page=0`, 3);
    expect(pages).toBe(3);
    expect(resources.map((r) => r.id)).toEqual(["p0", "p1", "p2"]);
  });
});
