/**
 * Issue 15 §1: an `iss` or callback URL longer than 8 KiB is refused with a typed error before the
 * allow-list, the state store or any network step; the allow-list compares through the one URL policy,
 * which stays linear on hostile input.
 */
import { describe, expect, it } from "vitest";
import {
  MAX_URL_LENGTH,
  SmartAuthError,
  SmartAuthErrorCode,
  SmartLaunch,
  normaliseBaseUrl,
  type LaunchStateStore,
} from "../src/index.js";

const calls = { fetch: 0, predicate: 0, take: 0 };
const stateStore: LaunchStateStore = {
  put: async () => {},
  take: async () => {
    calls.take++;
    return undefined;
  },
};
const launch = new SmartLaunch({
  clientId: "app",
  redirectUri: "https://app.example.com/cb",
  scope: "launch patient/*.rs",
  trustedIssuers: () => {
    calls.predicate++;
    return true;
  },
  stateStore,
  fetch: (async () => {
    calls.fetch++;
    return new Response("{}");
  }) as typeof fetch,
});

async function refusal(promise: Promise<unknown>): Promise<SmartAuthError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(SmartAuthError.is(error), String(error)).toBe(true);
  return error as SmartAuthError;
}

describe("length caps (issue 15)", () => {
  it("ehrLaunch: an iss over 8 KiB is url_too_long before the allow-list predicate or discovery", async () => {
    for (const filler of ["a", "/", "%2e", ".", ";"]) {
      const iss = `https://ehr.example.com/${filler.repeat(MAX_URL_LENGTH)}`;
      const error = await refusal(launch.ehrLaunch({ iss, launch: "xyz" }));
      expect(error.code).toBe(SmartAuthErrorCode.UrlTooLong);
      expect(error.message.length).toBeLessThan(200);
      await refusal(launch.ehrLaunch(`https://app.example.com/launch?iss=${encodeURIComponent(iss)}&launch=xyz`));
    }
    expect(calls).toMatchObject({ fetch: 0, predicate: 0 });
  });

  it("handleCallback: a redirect over 8 KiB (string, URL or URLSearchParams) is url_too_long before the state store", async () => {
    const long = `https://app.example.com/cb?state=${"s".repeat(40)}&code=${"c".repeat(MAX_URL_LENGTH)}`;
    for (const input of [long, new URL(long), new URL(long).searchParams]) {
      expect((await refusal(launch.handleCallback(input))).code).toBe(SmartAuthErrorCode.UrlTooLong);
    }
    expect(calls.take).toBe(0);
    // just under the cap, the callback is processed (and its unknown state refused)
    const short = `https://app.example.com/cb?state=${"s".repeat(40)}&code=${"c".repeat(MAX_URL_LENGTH - 200)}`;
    expect((await refusal(launch.handleCallback(short))).code).toBe(SmartAuthErrorCode.InvalidState);
    expect(calls.take).toBe(1);
  });

  it("normaliseBaseUrl (public API) is the policy's: E6 form, undefined when too long", () => {
    expect(normaliseBaseUrl("HTTPS://EHR.example.com:443/fhir//?x=1")).toBe("https://ehr.example.com/fhir?x=1");
    expect(normaliseBaseUrl(`https://ehr.example.com/${"a".repeat(MAX_URL_LENGTH)}`)).toBeUndefined();
    expect(normaliseBaseUrl(`https://ehr.example.com${"/".repeat(MAX_URL_LENGTH - 40)}x`)).toMatch(/x$/);
  });
});
