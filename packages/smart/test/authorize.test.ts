import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildAuthorizeRequest,
  buildAuthorizeUrl,
  codeChallengeS256,
  generateCodeVerifier,
  generateState,
  renderAuthorizeForm,
  SmartAuthError,
  type SmartConfiguration,
} from "../src/index.js";

const config: SmartConfiguration = {
  authorization_endpoint: "https://ehr.example/auth/authorize?tenant=t1&client_id=evil",
  token_endpoint: "https://ehr.example/auth/token",
  capabilities: ["launch-ehr", "launch-standalone", "authorize-post"],
  code_challenge_methods_supported: ["S256"],
  grant_types_supported: ["authorization_code"],
};
const challenge = await codeChallengeS256(generateCodeVerifier());
const base = {
  smartConfig: config,
  clientId: "my-app",
  redirectUri: "https://app.example.com/callback?x=1",
  scope: "launch/patient openid fhirUser patient/Observation.rs offline_access",
  state: generateState(),
  codeChallenge: challenge,
  aud: "https://fhir.example.com/r4/",
};

describe("buildAuthorizeUrl (checklist 2.20-2.27)", () => {
  it("sends response_type=code, client_id, redirect_uri, scope, state, aud, S256 challenge (checklist 2.20-2.27)", () => {
    const url = new URL(buildAuthorizeUrl(base));
    const p = url.searchParams;
    expect(p.get("response_type")).toBe("code");
    expect(p.get("client_id")).toBe("my-app");
    expect(p.get("redirect_uri")).toBe(base.redirectUri);
    expect(p.get("scope")).toBe(base.scope);
    expect(p.get("state")).toBe(base.state);
    expect(p.get("code_challenge")).toBe(challenge);
    expect(p.get("code_challenge_method")).toBe("S256");
    expect(p.has("launch")).toBe(false);
    expect(p.has("nonce")).toBe(false);
  });

  it("sends aud exactly as given, trailing slash and case kept (E6, checklist 2.26)", () => {
    const aud = "https://FHIR.example.com:443/R4/";
    expect(new URL(buildAuthorizeUrl({ ...base, aud })).searchParams.get("aud")).toBe(aud);
  });

  it("keeps query parameters of the authorization endpoint but never lets them replace protocol ones (E9)", () => {
    const p = new URL(buildAuthorizeUrl(base)).searchParams;
    expect(p.get("tenant")).toBe("t1");
    expect(p.getAll("client_id")).toEqual(["my-app"]);
  });

  it("EHR launch: echoes launch and adds the launch scope when missing (checklist 2.16)", () => {
    const p = new URL(buildAuthorizeUrl({ ...base, launch: "ehr-launch-token" })).searchParams;
    expect(p.get("launch")).toBe("ehr-launch-token");
    expect(p.get("scope")!.split(" ")).toContain("launch");
    const again = new URL(buildAuthorizeUrl({ ...base, scope: "launch openid", launch: "x" })).searchParams;
    expect(again.get("scope")).toBe("launch openid");
  });

  it("standalone launch leaves launch out (checklist 2.19) and sends nonce when given", () => {
    const p = new URL(buildAuthorizeUrl({ ...base, nonce: "n-123" })).searchParams;
    expect(p.has("launch")).toBe(false);
    expect(p.get("nonce")).toBe("n-123");
  });

  it("extra params are added but can never override protected ones (TypeError)", () => {
    const p = new URL(buildAuthorizeUrl({ ...base, extraParams: { prompt: "login" } })).searchParams;
    expect(p.get("prompt")).toBe("login");
    for (const name of [
      "code_challenge_method",
      "aud",
      "state",
      "response_type",
      "scope",
      "redirect_uri",
      "client_id",
      "launch",
      "nonce",
      "request",
      "request_uri",
      "code_challenge",
    ]) {
      expect(() => buildAuthorizeUrl({ ...base, extraParams: { [name]: "plain" } })).toThrow(TypeError);
    }
  });

  it("refuses misuse with TypeErrors saying what to pass", () => {
    expect(() => buildAuthorizeUrl({ ...base, state: "short" })).toThrow(/state/);
    expect(() => buildAuthorizeUrl({ ...base, codeChallenge: "plain-verifier" })).toThrow(/codeChallenge/);
    expect(() => buildAuthorizeUrl({ ...base, aud: "r4" })).toThrow(/aud/);
    expect(() => buildAuthorizeUrl({ ...base, scope: "  " })).toThrow(/scope/);
    expect(() => buildAuthorizeUrl({ ...base, scope: 'patient/"x' })).toThrow(/scope/);
    expect(() => buildAuthorizeUrl({ ...base, redirectUri: "/callback" })).toThrow(/redirectUri/);
    expect(() => buildAuthorizeUrl(undefined as never)).toThrow(TypeError);
  });

  it("a server without authorization_endpoint is unsupported_by_server; plain http to a remote host is insecure_url (checklist 2.1)", () => {
    const noAuthz = { ...config, authorization_endpoint: undefined };
    expect(() => buildAuthorizeUrl({ ...base, smartConfig: noAuthz })).toThrow(
      expect.objectContaining({ code: "unsupported_by_server" }),
    );
    const http = { ...config, authorization_endpoint: "http://ehr.example/authorize" };
    expect(() => buildAuthorizeUrl({ ...base, smartConfig: http })).toThrow(SmartAuthError);
    expect(buildAuthorizeUrl({ ...base, smartConfig: http, allowInsecureRequests: true })).toMatch(/^http:/);
  });

  it("property: any scope/extra params round-trip through the URL encoding; protected values are always ours (E19)", () => {
    const token = fc.stringMatching(/^[!#-[\]-~]{1,30}$/);
    const name = fc
      .stringMatching(/^[a-z_]{1,12}$/)
      .filter(
        (n) =>
          ![
            "response_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state",
            "code_challenge",
            "code_challenge_method",
            "aud",
            "launch",
            "nonce",
            "request",
            "request_uri",
            "tenant",
          ].includes(n),
      );
    fc.assert(
      fc.property(
        fc.array(token, { minLength: 1, maxLength: 8 }),
        fc.dictionary(name, fc.string()),
        fc.string({ minLength: 1 }),
        (scopes, extra, launch) => {
          const url = new URL(buildAuthorizeUrl({ ...base, scope: scopes.join(" "), extraParams: extra, launch }));
          const p = url.searchParams;
          const expectedScopes = scopes.includes("launch") ? scopes : [...scopes, "launch"];
          expect(p.get("scope")).toBe(expectedScopes.join(" "));
          expect(p.get("launch")).toBe(launch);
          expect(p.get("code_challenge_method")).toBe("S256");
          expect(p.get("aud")).toBe(base.aud);
          for (const [k, v] of Object.entries(extra)) expect(p.get(k)).toBe(v);
        },
      ),
    );
  });
});

describe("buildAuthorizeRequest / renderAuthorizeForm (checklist 2.30, 2.31)", () => {
  it("uses GET for short requests and POST when authorize-post is listed and the URL is long", () => {
    expect(buildAuthorizeRequest(base).method).toBe("GET");
    const long = `patient/Observation.rs?code=http://loinc.org|${"1".repeat(3000)}`;
    const post = buildAuthorizeRequest({ ...base, scope: long });
    expect(post.method).toBe("POST");
    if (post.method !== "POST") throw new Error("unreachable");
    expect(post.url).toBe("https://ehr.example/auth/authorize?tenant=t1");
    expect(post.form.scope).toBe(long);
    expect(post.form.code_challenge_method).toBe("S256");
    const noPost = { ...config, capabilities: ["launch-ehr"] };
    expect(buildAuthorizeRequest({ ...base, smartConfig: noPost, scope: long }).method).toBe("GET");
    expect(buildAuthorizeRequest({ ...base, method: "POST" }).method).toBe("POST");
    expect(() => buildAuthorizeRequest({ ...base, method: "PUT" as never })).toThrow(TypeError);
  });

  it("renders an auto-submitting form with every value HTML-escaped", () => {
    const request = buildAuthorizeRequest({
      ...base,
      method: "POST",
      extraParams: { login_hint: `"><script>alert(1)</script>&'` },
    });
    const html = renderAuthorizeForm(request, { cspNonce: "abc" });
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;&#39;");
    expect(html).toContain('<form method="post" action="https://ehr.example/auth/authorize?tenant=t1">');
    expect(html).toContain('<script nonce="abc">document.forms[0].submit()</script>');
    expect(() => renderAuthorizeForm({ method: "GET", url: "https://x" })).toThrow(TypeError);
  });
});
