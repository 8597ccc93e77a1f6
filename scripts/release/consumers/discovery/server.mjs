// A tiny FHIR server on 127.0.0.1 that only answers /.well-known/smart-configuration (and 404s a second base).
import { createServer } from "node:http";

export async function startWellKnownServer() {
  const server = createServer((req, res) => {
    const origin = `http://127.0.0.1:${server.address().port}`;
    if (req.url === "/r4/.well-known/smart-configuration") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          issuer: `${origin}/auth`,
          jwks_uri: `${origin}/auth/jwks`,
          authorization_endpoint: `${origin}/auth/authorize`,
          token_endpoint: `${origin}/auth/token`,
          grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
          token_endpoint_auth_methods_supported: ["private_key_jwt", "client_secret_basic"],
          scopes_supported: ["openid", "fhirUser", "launch/patient", "patient/*.rs"],
          response_types_supported: ["code"],
          capabilities: [
            "launch-ehr",
            "launch-standalone",
            "client-public",
            "context-ehr-patient",
            "context-standalone-patient",
            "permission-patient",
            "permission-v2",
            "sso-openid-connect",
          ],
          code_challenge_methods_supported: ["S256"],
        }),
      );
    } else {
      res.writeHead(404, { "content-type": "text/html" }).end("<h1>not here</h1>");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { base: `http://127.0.0.1:${server.address().port}/r4`, close: () => new Promise((r) => server.close(r)) };
}
