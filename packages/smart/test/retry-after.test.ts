// Issue 19 §2: Retry-After on 429 and 503 from the token endpoint (RFC 9110 §10.2.3, RFC 6585 §4).
import { generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import type { SmartConfiguration } from "@fhir-dsl/smart-discovery";
import { retryAfterMs } from "../src/retry-after.js";
import { SmartAuthError, SmartAuthErrorCode } from "../src/index.js";
import { tokenClient, type TokenGrant } from "../src/token-request.js";

const TOKEN_ENDPOINT = "https://auth.example.com/token";
const smartConfig = {
  token_endpoint: TOKEN_ENDPOINT,
  capabilities: [],
  code_challenge_methods_supported: ["S256"],
} as unknown as SmartConfiguration;
const ok = () => Response.json({ access_token: "at-ok", token_type: "bearer", expires_in: 300 });

function server(...answers: Array<() => Response>) {
  const times: number[] = [];
  const fetch = (async () => {
    times.push(performance.now());
    return (answers.shift() ?? ok)();
  }) as typeof globalThis.fetch;
  return { fetch, times, gaps: () => times.slice(1).map((t, i) => t - times[i]!) };
}

async function run(
  s: ReturnType<typeof server>,
  grant: TokenGrant,
  extra: { maxRetryAfterMs?: number; maxRetries?: number } = {},
) {
  const { privateKey } = await generateKeyPair("ES384");
  const client = tokenClient({
    smartConfig,
    clientId: "c",
    clientAuth: { method: "private_key_jwt", privateKey, alg: "ES384", kid: "k" },
    fetch: s.fetch,
    ...extra,
  });
  return client.request(grant);
}

const cc: TokenGrant = { grantType: "client_credentials", scope: "system/Patient.rs" };
const refresh: TokenGrant = { grantType: "refresh_token", refreshToken: "rt-1" };
const busy = (status: number, retryAfter?: string) => () =>
  Response.json(
    { error: "temporarily_unavailable" },
    { status, headers: retryAfter === undefined ? {} : { "retry-after": retryAfter } },
  );

describe("Retry-After on 429 and 503 from the token endpoint (issue 19 §2)", () => {
  it("delay-seconds is waited for, on client_credentials (429) and on refresh (503)", async () => {
    for (const [grant, status] of [
      [cc, 429],
      [refresh, 503],
    ] as const) {
      const s = server(busy(status, "1"));
      expect(await run(s, grant, { maxRetryAfterMs: 3_000 })).toMatchObject({ access_token: "at-ok" });
      expect(s.times).toHaveLength(2);
      expect(s.gaps()[0]).toBeGreaterThanOrEqual(950);
      expect(s.gaps()[0]).toBeLessThan(2_500);
    }
  });

  it("an HTTP-date is waited for until that time", async () => {
    const at = new Date(Math.ceil((Date.now() + 1_500) / 1000) * 1000);
    const s = server(busy(503, at.toUTCString()));
    await run(s, refresh, { maxRetryAfterMs: 3_000 });
    expect(s.times).toHaveLength(2);
    expect(performance.timeOrigin + s.times[1]!).toBeGreaterThanOrEqual(at.getTime() - 50);
  });

  it("a Retry-After beyond maxRetryAfterMs is not retried: the error comes at once, with the server's answer", async () => {
    for (const value of ["3600", new Date(Date.now() + 3_600_000).toUTCString()]) {
      const s = server(busy(429, value));
      const started = performance.now();
      const error = await run(s, cc, { maxRetryAfterMs: 2_000 }).catch((e) => e);
      expect(performance.now() - started).toBeLessThan(500);
      expect(error).toBeInstanceOf(SmartAuthError);
      expect(error).toMatchObject({ code: SmartAuthErrorCode.TokenEndpoint, status: 429, retryable: true });
      expect(error.response.headers.get("retry-after")).toBe(value);
      expect(s.times).toHaveLength(1);
    }
  });

  it("the default maximum is a few seconds: Retry-After 60 is not waited for", async () => {
    const s = server(busy(503, "60"));
    const started = performance.now();
    await expect(run(s, refresh)).rejects.toMatchObject({ status: 503 });
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("without Retry-After (or with a malformed one) the backoff stays: a quick retry", async () => {
    for (const value of [undefined, "soon", "-1", "1.5"]) {
      const s = server(busy(503, value));
      await run(s, cc);
      expect(s.times).toHaveLength(2);
      expect(s.gaps()[0]).toBeLessThan(400);
    }
  });

  it("Retry-After 0 retries at once; other statuses ignore the header", async () => {
    const s = server(busy(429, "0"));
    await run(s, cc);
    expect(s.gaps()[0]).toBeLessThan(100);
    const parse = (status: number, value: string) =>
      retryAfterMs(
        new SmartAuthError("x", {
          code: SmartAuthErrorCode.TokenEndpoint,
          status,
          response: new Response(null, { status, headers: { "retry-after": value } }),
        }),
        Date.now(),
      );
    expect(parse(500, "2")).toBeUndefined();
    expect(parse(503, "2")).toBe(2_000);
    expect(parse(503, "Sun, 06 Nov 1994 08:49:37 GMT")).toBe(0);
    expect(parse(429, "12abc")).toBeUndefined();
  });

  it("maxRetryAfterMs must be a number >= 0 (TypeError)", async () => {
    for (const bad of [-1, Number.NaN, "5" as unknown as number])
      await expect(run(server(), cc, { maxRetryAfterMs: bad })).rejects.toThrow(TypeError);
  });
});
