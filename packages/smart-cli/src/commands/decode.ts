import { compactVerify, createRemoteJWKSet, errors as joseErrors } from "jose";
import type { Command } from "../command.js";
import { fetchConfiguration } from "../fetch-config.js";
import { CliError, UsageError } from "../io.js";
import { claimRows, timesOf, tryDecode } from "../jwt.js";

// never none or HMAC: a JWKS holds public keys (RFC 8725 §3.1)
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

export const decodeCommand: Command = {
  name: "decode",
  summary: "show a JWT's header and claims (times in words); --fhir-base verifies its signature",
  usage: "smart decode <jwt> [--fhir-base <url>]",
  help: `Decodes a JWT (an id_token, a JWT access token, a client assertion): header, claims, exp/iat/nbf in
words. Nothing is verified unless --fhir-base is given: then the server's smart-configuration is
discovered and the signature checked against its jwks_uri (asymmetric algorithms only), and iss compared
with its issuer. Exit 1 when the signature does not verify. The token itself is never printed.

Options:
  --fhir-base <url>       verify the signature with this server's JWKS

Examples:
  smart decode eyJhbGciOiJSUzI1NiIsImtpZCI6Ij...
  smart decode "$ID_TOKEN" --fhir-base https://ehr.example.com/fhir --json`,
  options: { "fhir-base": { type: "string" } },
  async run({ positionals, values, io, paint, spin, transport }) {
    const [jwt] = positionals;
    if (positionals.length !== 1 || !jwt) throw new UsageError("pass one JWT");
    const decoded = tryDecode(jwt.trim());
    if (!decoded)
      throw new CliError(
        "not a JWT: expected three base64url parts whose first two are JSON",
        "an opaque access token cannot be decoded; ask the server's introspection endpoint",
      );
    const now = io.now();
    const data: Record<string, unknown> = {
      header: decoded.header,
      claims: decoded.claims,
      times: timesOf(decoded.claims, now),
    };
    const lines = [
      paint.bold("header"),
      claimRows(decoded.header, now, paint),
      paint.bold("claims"),
      claimRows(decoded.claims, now, paint),
    ];
    const exp = decoded.claims.exp;
    if (typeof exp === "number") lines.push(exp * 1000 <= now ? paint.yellow("expired") : paint.green("not expired"));
    let exitCode = 0;
    const fhirBase = values["fhir-base"];
    if (typeof fhirBase === "string") {
      const fetched = await spin(`discovering ${fhirBase}`, fetchConfiguration(fhirBase, transport));
      if (!fetched.config)
        throw new CliError(
          `discovery failed: ${fetched.error?.message}`,
          "check the FHIR base with: smart discover <fhir-base>",
        );
      const { jwks_uri: jwksUri, issuer } = fetched.config;
      if (!jwksUri) throw new CliError(`${fetched.url} lists no jwks_uri: the signature cannot be checked`);
      const jwks = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: transport.timeoutMs });
      let signature: "valid" | "invalid" = "valid";
      let reason: string | undefined;
      try {
        await spin(`GET ${jwksUri}`, compactVerify(jwt.trim(), jwks, { algorithms: ALGORITHMS }));
      } catch (error) {
        signature = "invalid";
        reason =
          error instanceof joseErrors.JWKSNoMatchingKey
            ? "no key of the JWKS matches the header's kid/alg"
            : error instanceof joseErrors.JOSEAlgNotAllowed
              ? `algorithm ${String(decoded.header.alg)} is not accepted (asymmetric only)`
              : error instanceof joseErrors.JWSSignatureVerificationFailed
                ? "the signature does not match"
                : error instanceof joseErrors.JOSEError
                  ? error.code
                  : `the JWKS could not be fetched (${(error as Error).message})`;
      }
      const issuerMatches = issuer === undefined ? null : decoded.claims.iss === issuer;
      data.verification = { jwksUri, issuer: issuer ?? null, signature, ...(reason && { reason }), issuerMatches };
      lines.push(
        paint.bold("verification"),
        `  signature  ${signature === "valid" ? paint.green(`valid (key from ${jwksUri})`) : paint.red(`INVALID: ${reason}`)}`,
        `  issuer     ${issuerMatches === null ? paint.dim("the server lists no issuer") : issuerMatches ? paint.green(`iss is ${issuer}`) : paint.yellow(`iss ${JSON.stringify(decoded.claims.iss)} is not ${issuer}`)}`,
      );
      if (signature === "invalid") exitCode = 1;
    }
    return { exitCode, data, text: lines.join("\n") };
  },
};
