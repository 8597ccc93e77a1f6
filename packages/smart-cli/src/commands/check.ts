import { importJWK } from "jose";
import { trimTrailingSlashes, type SmartConfiguration } from "@fhir-dsl/smart";
import type { Command } from "../command.js";
import { lintDocument, requiredFields, SPEC, transportOf, URL_FIELDS } from "../document-lint.js";
import { fetchConfiguration } from "../fetch-config.js";
import { UsageError } from "../io.js";
import { getJson, probe } from "../probe.js";
import type { Paint } from "../style.js";

export type Status = "PASS" | "WARN" | "FAIL" | "SKIP";
export interface CheckResult {
  id: string;
  title: string;
  status: Status;
  reason: string;
  spec: string;
}

const OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const fetchable = (url: unknown, base: string): url is string =>
  typeof url === "string" && ["https", "loopback"].includes(transportOf(url, base));

/** The checks `smart check` runs, in order; each looks only at what a server shows without credentials. */
async function runChecks(
  fhirBaseUrl: string,
  transport: { timeoutMs: number; allowInsecureRequests: boolean },
): Promise<CheckResult[]> {
  const { timeoutMs } = transport;
  const results: CheckResult[] = [];
  const add = (id: string, title: string, status: Status, reason: string, spec: string) =>
    results.push({ id, title, status, reason, spec });

  const fetched = await fetchConfiguration(fhirBaseUrl, transport);
  if (fetched.error)
    add(
      "discovery",
      "smart-configuration accepted",
      "FAIL",
      `${fetched.error.message} (${fetched.error.code})`,
      SPEC.wellKnown,
    );
  else
    add(
      "discovery",
      "smart-configuration accepted",
      "PASS",
      `${fetched.url} is valid JSON the library accepts`,
      SPEC.wellKnown,
    );
  const raw = fetched.raw;
  if (!isRecord(raw)) {
    for (const [id, title] of CHECK_TITLES.slice(1)) {
      // app-launch.html#app-protection: a plain-http FHIR base is refused before any request; that is the https check failing
      if (id === "https" && transportOf(fhirBaseUrl, fhirBaseUrl) === "http")
        add(id, title, "FAIL", `the FHIR base ${fhirBaseUrl} is plain http on a host that is not loopback`, SPEC.tls);
      else add(id, title, "SKIP", "no smart-configuration document", SPEC.metadata);
    }
    return results;
  }
  const lint = lintDocument(raw, fhirBaseUrl);
  const errorsOf = (fields: readonly string[]) =>
    lint.filter((p) => p.severity === "error" && p.field !== undefined && fields.includes(p.field));
  add(...requiredFieldsCheck(raw, lint));
  add(...pkceCheck(raw, errorsOf(["code_challenge_methods_supported"])));
  add(...httpsCheck(raw, fhirBaseUrl));
  add(...asymmetricCheck(raw, errorsOf(["token_endpoint_auth_signing_alg_values_supported"])));

  const config = fetched.config;
  await Promise.all([
    checkIssuer(raw, config, fhirBaseUrl, timeoutMs).then((r) => r.forEach((c) => add(...c))),
    checkJwks(raw, fhirBaseUrl, timeoutMs).then((c) => add(...c)),
    checkCors(raw, config, fhirBaseUrl, timeoutMs).then((c) => add(...c)),
    checkCapabilityStatement(raw, fhirBaseUrl, timeoutMs).then((c) => add(...c)),
  ]);
  const order = CHECK_TITLES.map(([id]) => id);
  return results.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
}

type Row = [id: string, title: string, status: Status, reason: string, spec: string];

type LintProblem = ReturnType<typeof lintDocument>[number];

/** SMART 2.2 conformance.html#metadata: required members present, recommended ones noted. */
function requiredFieldsCheck(raw: Record<string, unknown>, lint: LintProblem[]): Row {
  const title = "required SMART 2.2 fields";
  const required = requiredFields(raw);
  const missing = required.filter((f) => raw[f] === undefined || raw[f] === null || raw[f] === "");
  const recommended = lint.filter((p) => p.severity === "warning" && /recommended/.test(p.message)).map((p) => p.field);
  if (missing.length) return ["required-fields", title, "FAIL", `missing: ${missing.join(", ")}`, SPEC.metadata];
  if (recommended.length) {
    return [
      "required-fields",
      title,
      "WARN",
      `required present; recommended missing: ${recommended.join(", ")}`,
      SPEC.metadata,
    ];
  }
  return ["required-fields", title, "PASS", `${required.join(", ")} present`, SPEC.metadata];
}

/** app-launch.html#considerations-for-pkce-support: S256 required, plain forbidden. */
function pkceCheck(raw: Record<string, unknown>, pkce: LintProblem[]): Row {
  const title = "PKCE S256 advertised";
  const methods = raw.code_challenge_methods_supported;
  if (!Array.isArray(methods) || !methods.includes("S256")) {
    return ["pkce-s256", title, "FAIL", "code_challenge_methods_supported does not list S256", SPEC.pkce];
  }
  if (pkce.length) {
    return [
      "pkce-s256",
      title,
      "FAIL",
      `code_challenge_methods_supported ${pkce.map((p) => p.message).join("; ")}`,
      SPEC.pkce,
    ];
  }
  return ["pkce-s256", title, "PASS", `code_challenge_methods_supported: ${methods.join(" ")}`, SPEC.pkce];
}

/** app-launch.html#app-protection: TLS everywhere, loopback excepted (RFC 8252 §8.3). */
function httpsCheck(raw: Record<string, unknown>, fhirBaseUrl: string): Row {
  const transportOfField = (f: string) =>
    typeof raw[f] === "string" ? transportOf(raw[f] as string, fhirBaseUrl) : undefined;
  const insecure: string[] = URL_FIELDS.filter((f) => {
    const t = transportOfField(f);
    return t !== undefined && t !== "https" && t !== "loopback";
  }).map((f) => `${f} (${String(raw[f])})`);
  const baseTransport = transportOf(fhirBaseUrl, fhirBaseUrl);
  if (baseTransport === "http") insecure.unshift("FHIR base");
  const onLoopback = baseTransport === "loopback" || URL_FIELDS.some((f) => transportOfField(f) === "loopback");
  if (insecure.length) return ["https", "https everywhere", "FAIL", `not https: ${insecure.join(", ")}`, SPEC.tls];
  const reason = onLoopback ? "https, or plain http on loopback only" : "every endpoint is https";
  return ["https", "https everywhere", "PASS", reason, SPEC.tls];
}

/** client-confidential-asymmetric.html: RS384 and ES384 for asymmetric clients, when the capability is listed. */
function asymmetricCheck(raw: Record<string, unknown>, asym: LintProblem[]): Row {
  const title = "RS384/ES384 for asymmetric clients";
  const caps = Array.isArray(raw.capabilities) ? raw.capabilities : [];
  if (!caps.includes("client-confidential-asymmetric")) {
    return ["asymmetric-algs", title, "SKIP", "client-confidential-asymmetric is not listed", SPEC.asymmetric];
  }
  if (asym.length) {
    return [
      "asymmetric-algs",
      title,
      "FAIL",
      `token_endpoint_auth_signing_alg_values_supported ${asym[0]?.message}`,
      SPEC.asymmetric,
    ];
  }
  const algs = (raw.token_endpoint_auth_signing_alg_values_supported as string[]).join(" ");
  return ["asymmetric-algs", title, "PASS", `signing algs: ${algs}`, SPEC.asymmetric];
}

export const CHECK_TITLES: [string, string][] = [
  ["discovery", "smart-configuration accepted"],
  ["required-fields", "required SMART 2.2 fields"],
  ["pkce-s256", "PKCE S256 advertised"],
  ["https", "https everywhere"],
  ["asymmetric-algs", "RS384/ES384 for asymmetric clients"],
  ["issuer", "issuer reachable (OpenID configuration)"],
  ["openid-consistent", "OpenID configuration matches"],
  ["jwks", "JWKS reachable with usable keys"],
  ["cors-token", "CORS preflight on the token endpoint"],
  ["capability-statement", "legacy CapabilityStatement oauth-uris"],
];

// scopes-and-launch-context.html#scopes-for-requesting-identity-data: {issuer}/.well-known/openid-configuration, iss equal byte for byte
async function checkIssuer(
  raw: Record<string, unknown>,
  config: SmartConfiguration | undefined,
  base: string,
  timeoutMs: number,
): Promise<Row[]> {
  const issuer = raw.issuer;
  const [t1, t2] = ["issuer reachable (OpenID configuration)", "OpenID configuration matches"];
  if (typeof issuer !== "string") {
    const why = caps(raw).includes("sso-openid-connect")
      ? "issuer is missing"
      : "no issuer (sso-openid-connect not listed)";
    return [
      ["issuer", t1, caps(raw).includes("sso-openid-connect") ? "FAIL" : "SKIP", why, SPEC.openid],
      ["openid-consistent", t2, "SKIP", why, SPEC.openid],
    ];
  }
  if (!fetchable(issuer, base))
    return [
      ["issuer", t1, "SKIP", "issuer is not https (see the https check)", SPEC.openid],
      ["openid-consistent", t2, "SKIP", "issuer not fetched", SPEC.openid],
    ];
  const url = `${trimTrailingSlashes(issuer)}/.well-known/openid-configuration`;
  let openid: unknown;
  try {
    openid = await getJson(url, timeoutMs);
  } catch (error) {
    return [
      ["issuer", t1, "FAIL", `${url} ${(error as Error).message}`, SPEC.openid],
      ["openid-consistent", t2, "SKIP", "no OpenID configuration", SPEC.openid],
    ];
  }
  if (!isRecord(openid) || openid.issuer !== issuer) {
    const got = isRecord(openid) ? JSON.stringify(openid.issuer) : "not an object";
    return [
      ["issuer", t1, "FAIL", `the OpenID configuration's issuer (${got}) is not ${issuer} exactly`, SPEC.openid],
      ["openid-consistent", t2, "SKIP", "issuer differs", SPEC.openid],
    ];
  }
  const issuerRow: Row = ["issuer", t1, "PASS", `${url} names the same issuer`, SPEC.openid];
  const resolved = (config ?? raw) as Record<string, unknown>;
  const fails = ["jwks_uri"].filter((f) => openid[f] !== resolved[f]);
  const warns = ["authorization_endpoint", "token_endpoint"].filter(
    (f) => resolved[f] !== undefined && openid[f] !== undefined && openid[f] !== resolved[f],
  );
  const diff = (fields: string[]) =>
    fields.map((f) => `${f} ${JSON.stringify(openid[f])} vs ${JSON.stringify(resolved[f])}`).join("; ");
  if (fails.length)
    return [
      issuerRow,
      ["openid-consistent", t2, "FAIL", `differs from the SMART configuration: ${diff(fails)}`, SPEC.openid],
    ];
  if (warns.length)
    return [
      issuerRow,
      ["openid-consistent", t2, "WARN", `differs from the SMART configuration: ${diff(warns)}`, SPEC.openid],
    ];
  return [
    issuerRow,
    ["openid-consistent", t2, "PASS", "issuer, jwks_uri and endpoints agree with the SMART configuration", SPEC.openid],
  ];
}

const caps = (raw: Record<string, unknown>): unknown[] => (Array.isArray(raw.capabilities) ? raw.capabilities : []);

// conformance.html#metadata: jwks_uri serves the keys that sign id_tokens; a usable key imports and is not private
async function checkJwks(raw: Record<string, unknown>, base: string, timeoutMs: number): Promise<Row> {
  const title = "JWKS reachable with usable keys";
  const jwksUri = raw.jwks_uri;
  if (typeof jwksUri !== "string")
    return ["jwks", title, caps(raw).includes("sso-openid-connect") ? "FAIL" : "SKIP", "no jwks_uri", SPEC.metadata];
  if (!fetchable(jwksUri, base))
    return ["jwks", title, "SKIP", "jwks_uri is not https (see the https check)", SPEC.metadata];
  const url = new URL(jwksUri, `${trimTrailingSlashes(base)}/`).href;
  let jwks: unknown;
  try {
    jwks = await getJson(url, timeoutMs, "application/json, application/jwk-set+json");
  } catch (error) {
    return ["jwks", title, "FAIL", `${url} ${(error as Error).message}`, SPEC.metadata];
  }
  const keys = isRecord(jwks) && Array.isArray(jwks.keys) ? jwks.keys : undefined;
  if (!keys) return ["jwks", title, "FAIL", `${url} is not a JWK Set ({"keys": [...]})`, SPEC.metadata];
  if (keys.some((k) => isRecord(k) && ["d", "p", "q", "dp", "dq", "qi", "k"].some((m) => m in k))) {
    return ["jwks", title, "FAIL", `${url} publishes private or symmetric key material`, SPEC.metadata];
  }
  let usable = 0;
  for (const key of keys) {
    if (!isRecord(key) || (key.use !== undefined && key.use !== "sig")) continue;
    const alg =
      typeof key.alg === "string"
        ? key.alg
        : key.kty === "EC"
          ? { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" }[String(key.crv)]
          : "RS256";
    if (!alg) continue;
    try {
      await importJWK(key, alg);
      usable++;
    } catch {
      // not importable: counted out
    }
  }
  if (!usable)
    return ["jwks", title, "FAIL", `${url} has ${keys.length} key(s), none usable for signatures`, SPEC.metadata];
  return ["jwks", title, "PASS", `${usable} of ${keys.length} key(s) usable for signature checks`, SPEC.metadata];
}

// app-launch.html#considerations-for-cross-origin-resource-sharing-cors-support: browser apps call the token endpoint cross-origin
async function checkCors(
  raw: Record<string, unknown>,
  config: SmartConfiguration | undefined,
  base: string,
  timeoutMs: number,
): Promise<Row> {
  const title = "CORS preflight on the token endpoint";
  const token = config?.token_endpoint ?? raw.token_endpoint;
  if (!fetchable(token, base)) return ["cors-token", title, "SKIP", "no fetchable token endpoint", SPEC.cors];
  const origin = "https://app.example";
  let response: Response;
  try {
    response = await probe(new URL(token, `${trimTrailingSlashes(base)}/`).href, timeoutMs, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    void response.body?.cancel();
  } catch {
    return ["cors-token", title, "WARN", "the token endpoint did not answer a preflight", SPEC.cors];
  }
  const allowOrigin = response.headers.get("access-control-allow-origin");
  const methods = response.headers.get("access-control-allow-methods");
  if (allowOrigin !== origin && allowOrigin !== "*") {
    return [
      "cors-token",
      title,
      "WARN",
      `no Access-Control-Allow-Origin for ${origin} (HTTP ${response.status}): browser-only apps cannot get tokens`,
      SPEC.cors,
    ];
  }
  if (methods !== null && !/\bPOST\b/i.test(methods))
    return ["cors-token", title, "WARN", `preflight allows ${methods}, not POST`, SPEC.cors];
  return ["cors-token", title, "PASS", `preflight from ${origin} allowed`, SPEC.cors];
}

// conformance.html (legacy): CapabilityStatement.rest.security extension oauth-uris, deprecated; when present it must agree
async function checkCapabilityStatement(raw: Record<string, unknown>, base: string, timeoutMs: number): Promise<Row> {
  const title = "legacy CapabilityStatement oauth-uris";
  if (!fetchable(base, base)) return ["capability-statement", title, "SKIP", "the FHIR base is not https", SPEC.legacy];
  const url = `${trimTrailingSlashes(base)}/metadata`;
  let statement: unknown;
  try {
    statement = await getJson(url, timeoutMs, "application/fhir+json, application/json");
  } catch (error) {
    return ["capability-statement", title, "WARN", `${url} ${(error as Error).message}`, SPEC.legacy];
  }
  const rest = isRecord(statement) && Array.isArray(statement.rest) ? statement.rest : [];
  const extension = rest
    .flatMap((r) =>
      isRecord(r) && isRecord(r.security) && Array.isArray(r.security.extension) ? r.security.extension : [],
    )
    .find((e) => isRecord(e) && e.url === OAUTH_URIS) as Record<string, unknown> | undefined;
  if (!extension)
    return [
      "capability-statement",
      title,
      "PASS",
      "not published (the legacy form is optional and deprecated)",
      SPEC.legacy,
    ];
  const uris = new Map(
    (Array.isArray(extension.extension) ? extension.extension : []).flatMap((e) =>
      isRecord(e) && typeof e.url === "string" ? [[e.url, e.valueUri] as const] : [],
    ),
  );
  const pairs: [string, string][] = [
    ["authorize", "authorization_endpoint"],
    ["token", "token_endpoint"],
    ["introspect", "introspection_endpoint"],
    ["revoke", "revocation_endpoint"],
    ["manage", "management_endpoint"],
    ["register", "registration_endpoint"],
  ];
  const differ = pairs.filter(
    ([ext, field]) => uris.has(ext) && raw[field] !== undefined && uris.get(ext) !== raw[field],
  );
  if (!uris.has("token")) return ["capability-statement", title, "WARN", "oauth-uris has no token URI", SPEC.legacy];
  if (differ.length)
    return [
      "capability-statement",
      title,
      "WARN",
      `disagrees with the SMART configuration: ${differ.map(([e, f]) => `${e} vs ${f}`).join(", ")}`,
      SPEC.legacy,
    ];
  return [
    "capability-statement",
    title,
    "PASS",
    `oauth-uris agrees with the SMART configuration (${[...uris.keys()].join(", ")})`,
    SPEC.legacy,
  ];
}

const COLOUR: Record<Status, keyof Paint> = { PASS: "green", WARN: "yellow", FAIL: "red", SKIP: "dim" };

export const checkCommand: Command = {
  name: "check",
  summary: "quick SMART 2.2 conformance check of what a server shows without credentials",
  usage: "smart check <fhir-base>",
  help: `Checks, each PASS / WARN / FAIL (or SKIP when it does not apply) with a reason and a spec link:
  discovery             the smart-configuration is JSON the library accepts
  required-fields       SMART 2.2 required members (recommended ones missing: WARN)
  pkce-s256             S256 listed, plain not listed
  https                 every endpoint https (plain http only on loopback)
  asymmetric-algs       RS384 or ES384 listed with client-confidential-asymmetric
  issuer                {issuer}/.well-known/openid-configuration reachable, same issuer
  openid-consistent     its jwks_uri (FAIL) and endpoints (WARN) equal the SMART ones
  jwks                  jwks_uri reachable, public keys only, at least one usable signing key
  cors-token            a browser preflight to the token endpoint is allowed (WARN when not)
  capability-statement  the legacy oauth-uris extension, when published, agrees
Exit 1 when any check FAILs.

Examples:
  smart check https://launch.smarthealthit.org/v/r4/fhir
  smart check http://127.0.0.1:8080/fhir --json | jq '.checks[] | select(.status == "FAIL")'`,
  options: {},
  async run({ positionals, paint, spin, transport }) {
    const [fhirBaseUrl] = positionals;
    if (positionals.length !== 1 || !fhirBaseUrl) throw new UsageError("pass one FHIR base URL");
    const checks = await spin(`checking ${fhirBaseUrl}`, runChecks(fhirBaseUrl, transport));
    const count = (s: Status) => checks.filter((c) => c.status === s).length;
    const summary = { pass: count("PASS"), warn: count("WARN"), fail: count("FAIL"), skip: count("SKIP") };
    const rows = checks.map((c) => [
      paint[COLOUR[c.status]](c.status),
      c.title,
      `${c.reason}\n${" ".repeat(8)}${paint.dim(c.spec)}`,
    ]);
    const text = [
      `${paint.bold("SMART check")} ${fhirBaseUrl}`,
      ...rows.map(([s, t, r]) => `  ${s}  ${paint.bold(t ?? "")}: ${r}`),
      `${summary.pass} pass, ${summary.warn} warn, ${summary.fail} fail, ${summary.skip} skipped`,
    ].join("\n");
    return { exitCode: summary.fail ? 1 : 0, data: { fhirBaseUrl, checks, summary }, text };
  },
};
