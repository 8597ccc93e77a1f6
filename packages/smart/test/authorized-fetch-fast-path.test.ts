/**
 * The authorized fetch's fast path (a string or URL with a plain init, no `Request` built) sends exactly
 * what the general path (`Request`) sends, and keeps the FHIR-base rule on every hop (checklist E20, E21).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuthProvider } from "../src/auth-provider.js";
import { createAuthorizedFetch } from "../src/authorized-fetch.js";
import { fhirBaseMatcher } from "../src/fhir-base.js";
import { plainCall } from "../src/plain-call.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const BASE = "https://ehr.example/fhir";
const inBase = fhirBaseMatcher(BASE);

interface Sent {
  url: string;
  method: string;
  headers: [string, string][];
  body: string;
  plainHeaders: boolean;
}

/** A fetch that records each hop as the server would see it, answering with `answer(hop)`. */
function recorder(answer: (hop: number, url: string) => Response = () => new Response("{}")) {
  const sent: Sent[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    const request = new Request(url, init);
    sent.push({
      url,
      method: request.method,
      headers: [...request.headers].sort(([a], [b]) => a.localeCompare(b)),
      body: request.body === null ? "" : Buffer.from(await request.arrayBuffer()).toString("base64"),
      plainHeaders: !(init.headers instanceof Headers),
    });
    return answer(sent.length - 1, url);
  }) as typeof globalThis.fetch;
  return { sent, fetch };
}

function provider(): AuthProvider & { unauthorized: number } {
  let n = 1;
  return {
    unauthorized: 0,
    getAuthorization: (req) => (inBase(req.url) ? `Bearer token-${n}` : undefined),
    onUnauthorized() {
      this.unauthorized++;
      n++;
    },
  };
}

const urls = fc.constantFrom(
  `${BASE}/Patient/1`,
  `${BASE}`,
  `${BASE}?_count=5`,
  `${BASE}/Observation?patient=p1&_count=50`,
  "HTTPS://EHR.example/fhir/Patient",
  `${BASE}/a/../../other`,
  `${BASE}/%2e%2e/admin`,
  "https://ehr.example/fhirx/Patient",
  "https://ehr.example.evil/fhir/Patient",
  "https://evil.example/fhir/Patient",
  "http://ehr.example/fhir/Patient",
  " https://ehr.example/fhir/Patient ",
);
const methods = fc.constantFrom(undefined, "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "post", "Get");
const bodies = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 40 }),
  fc.uint8Array({ maxLength: 40 }),
  fc.uint8Array({ maxLength: 40 }).map((a) => a.buffer as ArrayBuffer),
  fc
    .dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 8 }), { maxKeys: 3 })
    .map((d) => new URLSearchParams(d)),
);
const headerNames = fc.constantFrom(
  "accept",
  "Content-Type",
  "content-type",
  "X-Request-Id",
  "prefer",
  "Authorization",
  "authorization",
  "AUTHORIZATION",
);
const headerValues = fc.constantFrom(
  "application/fhir+json",
  "text/plain",
  "return=minimal",
  "Bearer caller",
  "  spaced  ",
  "a, b",
);
const headers = fc.option(fc.dictionary(headerNames, headerValues, { maxKeys: 4 }), { nil: undefined });
const redirects = fc.constantFrom(undefined, "follow", "manual", "error") as fc.Arbitrary<RequestRedirect | undefined>;

const initOf = (
  method?: string,
  body?: unknown,
  hdrs?: Record<string, string>,
  redirect?: RequestRedirect,
): RequestInit => {
  const init: RequestInit = {};
  if (method !== undefined) init.method = method;
  if (body !== undefined) init.body = body as BodyInit;
  if (hdrs !== undefined) init.headers = hdrs;
  if (redirect !== undefined) init.redirect = redirect;
  return init;
};

/** What a call sends, or the error class it fails with. */
async function outcome(
  run: () => Promise<Response>,
  sent: Sent[],
): Promise<{ sent?: Omit<Sent, "plainHeaders">[]; error?: string }> {
  try {
    await run();
    return { sent: sent.map(({ plainHeaders: _, ...s }) => s) };
  } catch (error) {
    return { error: (error as Error).constructor.name };
  }
}

describe("authorized fetch: fast path and general path send the same request (E20, E21)", () => {
  it("for generated URLs, methods, bodies, headers and redirect modes: same method, headers, body and token as through a Request", async () => {
    await fc.assert(
      fc.asyncProperty(
        urls,
        methods,
        bodies,
        headers,
        redirects,
        fc.boolean(),
        async (url, method, body, hdrs, redirect, asUrl) => {
          const init = initOf(method, body, hdrs, redirect);
          let input: string | URL = url;
          if (asUrl) {
            if (!URL.canParse(url)) return;
            input = new URL(url);
          }
          const fast = recorder();
          const general = recorder();
          const a = await outcome(
            () => createAuthorizedFetch(provider(), { fetch: fast.fetch })(input, init),
            fast.sent,
          );
          let reference: Request;
          try {
            reference = new Request(input, init);
          } catch {
            expect(a).toHaveProperty("error", "TypeError");
            return;
          }
          const b = await outcome(
            () => createAuthorizedFetch(provider(), { fetch: general.fetch })(reference),
            general.sent,
          );
          expect(a).toEqual(b);
          if (a.sent !== undefined) {
            const token = a.sent[0]!.headers.find(([n]) => n === "authorization")?.[1];
            const own = Object.keys(hdrs ?? {}).some((n) => n.toLowerCase() === "authorization");
            if (!own) expect(token).toBe(inBase(a.sent[0]!.url) ? "Bearer token-1" : undefined);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("the common calls take the fast path (no Request, no Headers copy); the others the general path", () => {
    const taken = [
      [`${BASE}/Patient`, undefined],
      [new URL(`${BASE}/Patient`), undefined],
      [`${BASE}/Patient`, { headers: { accept: "application/fhir+json" } }],
      [
        `${BASE}/Patient`,
        { method: "POST", body: '{"resourceType":"Patient"}', headers: { "content-type": "application/fhir+json" } },
      ],
      [
        `${BASE}/Patient`,
        { method: "PUT", body: new Uint8Array([1, 2]), signal: new AbortController().signal, redirect: "manual" },
      ],
    ] as const;
    for (const [input, init] of taken) expect(plainCall(input, init as RequestInit)).toBeDefined();
    const general = [
      [new Request(`${BASE}/Patient`), undefined],
      [`${BASE}/Patient`, { headers: new Headers({ accept: "x" }) }],
      [`${BASE}/Patient`, { headers: [["accept", "x"]] }],
      [`${BASE}/Patient`, { headers: { Authorization: "Bearer mine" } }],
      [`${BASE}/Patient`, { method: "POST", body: new ReadableStream(), duplex: "half" }],
      [`${BASE}/Patient`, { method: "POST", body: new Blob(["x"]) }],
      [`${BASE}/Patient`, { method: "post" }],
      [`${BASE}/Patient`, { method: "GET", body: "x" }],
      [`${BASE}/Patient`, { mode: "navigate" }],
      ["/relative", undefined],
      ["https://user:pw@ehr.example/fhir/Patient", undefined],
    ] as const;
    for (const [input, init] of general) expect(plainCall(input as RequestInfo, init as RequestInit)).toBeUndefined();
  });

  it("every hop of a redirect chain is re-decided on both paths: the token only under the FHIR base", async () => {
    const locations = fc.constantFrom(
      `${BASE}/Patient/2`,
      "/fhir/Patient/3",
      "/other",
      "https://evil.example/fhir/x",
      "https://ehr.example/fhirx",
      `${BASE}/../admin`,
      "//evil.example/fhir",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(locations, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(301, 302, 303, 307, 308),
        fc.boolean(),
        async (chain, status, viaRequest) => {
          const r = recorder((hop) =>
            hop < chain.length
              ? new Response(null, { status, headers: { location: chain[hop]! } })
              : new Response("{}"),
          );
          const f = createAuthorizedFetch(provider(), { fetch: r.fetch });
          await (viaRequest
            ? f(new Request(`${BASE}/Patient/1`, { method: "POST", body: "x" }))
            : f(`${BASE}/Patient/1`, { method: "POST", body: "x" }));
          expect(r.sent).toHaveLength(chain.length + 1);
          for (const hop of r.sent) {
            const token = hop.headers.find(([n]) => n === "authorization")?.[1];
            expect(token).toBe(inBase(hop.url) ? "Bearer token-1" : undefined);
          }
          if (!viaRequest) expect(r.sent.every((s) => s.plainHeaders)).toBe(true);
        },
      ),
      { numRuns: Math.min(RUNS, 200) },
    );
  });

  it("a 401 on the fast path: onUnauthorized once, one retry with the new token and the same body", async () => {
    const auth = provider();
    const r = recorder((hop) => new Response(null, { status: hop === 0 ? 401 : 200 }));
    const res = await createAuthorizedFetch(auth, { fetch: r.fetch })(`${BASE}/Patient`, {
      method: "POST",
      body: "payload",
    });
    expect(res.status).toBe(200);
    expect(auth.unauthorized).toBe(1);
    expect(r.sent.map((s) => s.headers.find(([n]) => n === "authorization")?.[1])).toEqual([
      "Bearer token-1",
      "Bearer token-2",
    ]);
    expect(r.sent.map((s) => Buffer.from(s.body, "base64").toString())).toEqual(["payload", "payload"]);
    expect(r.sent.every((s) => s.plainHeaders)).toBe(true);
  });
});
