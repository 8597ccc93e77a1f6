import { BackendServicesAuth } from "@fhir-dsl/smart";
import type { Command } from "../command.js";
import { diffLines, explainScopes, scopeDiffJson } from "../explain.js";
import { UsageError } from "../io.js";
import { loadSigningKey } from "../keys.js";
import { claimRows, tryDecode } from "../jwt.js";
import { relative } from "../style.js";
import { scopeRows } from "./scopes.js";

export const tokenCommand: Command = {
  name: "token",
  summary: "get a Backend Services token (client_credentials + private_key_jwt) and explain it",
  usage: "smart token --fhir-base <url> --client-id <id> --key <pem or jwk file> [--scope <scopes>]",
  help: `Gets a SMART Backend Services access token with a signed client assertion, then shows the granted scopes
in words (and what was narrowed), the lifetime and, when the access token is a JWT, its claims. The token
itself is never printed unless --print-token is given.

Options:
  --fhir-base <url>       the FHIR server (discovery finds the token endpoint)
  --client-id <id>        the registered client id
  --key <file>            private key: PEM (PKCS#8, PKCS#1, SEC1), a private JWK or a JWK Set
  --alg <RS384|ES384>     signing algorithm (default: from the key)
  --kid <kid>             key id registered with the server (default: the JWK's kid)
  --scope <scopes>        scopes to ask for (default "system/*.rs")
  --print-token           also print the access token (stdout; with --json as "accessToken")

Examples:
  smart token --fhir-base https://ehr.example.com/fhir --client-id etl --key etl.pem --kid 1 --scope "system/Patient.rs"
  smart token --fhir-base http://127.0.0.1:8080/fhir --client-id backend --key key.jwk --json`,
  options: {
    "fhir-base": { type: "string" },
    "client-id": { type: "string" },
    key: { type: "string" },
    alg: { type: "string" },
    kid: { type: "string" },
    scope: { type: "string" },
    "print-token": { type: "boolean" },
  },
  async run({ values, positionals, io, paint, spin, transport }) {
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const need = (name: string) => {
      const value = values[name];
      if (typeof value !== "string" || value === "") throw new UsageError(`--${name} is required`);
      return value;
    };
    const fhirBaseUrl = need("fhir-base");
    const clientId = need("client-id");
    const key = await loadSigningKey(need("key"), values.alg as string | undefined, values.kid as string | undefined);
    const scope = typeof values.scope === "string" && values.scope.trim() ? values.scope : "system/*.rs";
    const auth = new BackendServicesAuth({ fhirBaseUrl, clientId, scope, ...key, ...transport, maxRetries: 0 });
    const token = await spin(`requesting a token for ${clientId}`, auth.getToken());
    const now = io.now();
    const granted = token.scope ?? scope;
    const scopes = explainScopes(granted);
    const diff = scopeDiffJson(scope, granted);
    const expiresIn = token.expires_at === undefined ? null : Math.round((token.expires_at - now) / 1000);
    const jwt = tryDecode(token.access_token);
    const data: Record<string, unknown> = {
      fhirBaseUrl,
      clientId,
      requestedScope: scope,
      grantedScope: granted,
      scopeConfirmed: token.scope !== undefined,
      scopes,
      diff,
      tokenType: token.token_type,
      expiresIn,
      expiresAt: token.expires_at === undefined ? null : new Date(token.expires_at).toISOString(),
      accessTokenFormat: jwt ? "jwt" : "opaque",
      ...(jwt && { accessTokenJwt: jwt }),
      ...(values["print-token"] === true && { accessToken: token.access_token }),
    };
    const lines = [
      `${paint.green("token granted")} to ${clientId} (${token.token_type}${expiresIn === null ? ", lifetime not given" : `, expires ${relative(expiresIn)}`})`,
      paint.bold(
        token.scope === undefined ? "granted scopes (not sent by the server: assumed as requested)" : "granted scopes",
      ),
      scopeRows(scopes, paint),
      paint.bold("compared with the request"),
      ...diffLines(diff).map((l) => `  ${l}`),
    ];
    if (jwt)
      lines.push(
        paint.bold("access token (JWT) header"),
        claimRows(jwt.header, now, paint),
        paint.bold("access token (JWT) claims"),
        claimRows(jwt.claims, now, paint),
      );
    else lines.push(paint.dim("the access token is opaque (not a JWT)"));
    if (values["print-token"] === true) lines.push(paint.bold("access token"), token.access_token);
    else lines.push(paint.dim("the access token is not shown (--print-token shows it)"));
    return { exitCode: 0, data, text: lines.join("\n") };
  },
};
