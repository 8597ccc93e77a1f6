import { describe, expect, it } from "vitest";
import { DiscoveryError, DiscoveryErrorCode } from "../src/index.js";

describe("DiscoveryError", () => {
  const response = new Response("<html>SECRET-BODY</html>", { status: 500 });
  const cause = new TypeError("fetch failed");
  const error = new DiscoveryError("https://h/fhir/.well-known/smart-configuration answered HTTP 500", {
    code: DiscoveryErrorCode.HttpStatus,
    url: "https://h/fhir/.well-known/smart-configuration",
    status: 500,
    response,
    cause,
  });

  it("carries code, url, status and the cause", () => {
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("DiscoveryError");
    expect(error).toMatchObject({
      code: "discovery_http_status",
      url: "https://h/fhir/.well-known/smart-configuration",
      status: 500,
    });
    expect(error.cause).toBe(cause);
    expect(error.response).toBe(response);
  });

  it("keeps the raw response non-enumerable and out of JSON", () => {
    expect(Object.keys(error)).not.toContain("response");
    expect(JSON.stringify(error)).not.toContain("SECRET-BODY");
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: "DiscoveryError",
      code: "discovery_http_status",
      url: "https://h/fhir/.well-known/smart-configuration",
      status: 500,
      retryable: true,
      message: "https://h/fhir/.well-known/smart-configuration answered HTTP 500",
    });
  });

  it("is() recognises instances from any copy via Symbol.for and rejects look-alikes", () => {
    expect(DiscoveryError.is(error)).toBe(true);
    expect(DiscoveryError.is({ code: "discovery_http_status", name: "DiscoveryError" })).toBe(false);
    expect(DiscoveryError.is(new Error("x"))).toBe(false);
    expect(DiscoveryError.is(null)).toBe(false);
    const foreign = Object.assign(new Error("x"), { [Symbol.for("@fhir-dsl/smart-discovery/DiscoveryError")]: true });
    expect(DiscoveryError.is(foreign)).toBe(true);
  });

  it("exports stable codes", () => {
    expect(DiscoveryErrorCode).toEqual({
      Network: "discovery_network",
      Timeout: "discovery_timeout",
      HttpStatus: "discovery_http_status",
      NotJson: "discovery_not_json",
      InvalidDocument: "discovery_invalid_document",
      InsecureUrl: "discovery_insecure_url",
      InvalidUrl: "discovery_invalid_url",
      UrlTooLong: "discovery_url_too_long",
      ResponseTooLarge: "discovery_response_too_large",
      UntrustedRedirect: "discovery_untrusted_redirect",
    });
  });
});
