// 2. Cold start and stampede: N concurrent getAuthorization calls on a cold BackendServicesAuth, beside the
// same token request made directly with oauth4webapi + jose (discovery + client_credentials + private_key_jwt).
import { BackendServicesAuth, clearDiscoveryCache } from "@fhir-dsl/smart";
import * as oauth from "oauth4webapi";
import { median } from "./services.mjs";

/** One cold provider, `concurrency` callers at once: ms to all resolved, token requests served. */
export async function coldStampede({ env, concurrency = 1_000 }) {
  const { bench, keys } = env;
  const clientId = await bench.addClient("cold");
  clearDiscoveryCache();
  const before = await bench.tokenRequests();
  const req = { url: `${bench.fhirBaseUrl}/Patient`, method: "GET" };
  const start = performance.now();
  const auth = new BackendServicesAuth({
    fhirBaseUrl: bench.fhirBaseUrl,
    clientId,
    scope: "system/Patient.rs",
    privateKey: keys.privateKey,
    alg: "ES384",
    kid: keys.kid,
  });
  const headers = await Promise.all(Array.from({ length: concurrency }, () => auth.getAuthorization(req)));
  const ms = performance.now() - start;
  const tokenRequests = (await bench.tokenRequests()) - before;
  const distinct = new Set(headers).size;
  if (distinct !== 1 || !headers[0]?.startsWith("Bearer "))
    throw new Error(`cold stampede: ${distinct} distinct headers`);
  return { ms, tokenRequests, distinctHeaders: distinct };
}

/** The same work by hand: GET smart-configuration, then one client_credentials request with a SMART assertion. */
export async function directTokenRequest({ env }) {
  const { bench, keys } = env;
  const clientId = await bench.addClient("direct");
  const before = await bench.tokenRequests();
  const start = performance.now();
  const response = await fetch(`${bench.fhirBaseUrl}/.well-known/smart-configuration`, {
    headers: { accept: "application/json" },
  });
  const config = await response.json();
  const as = { issuer: config.issuer ?? new URL(config.token_endpoint).origin, token_endpoint: config.token_endpoint };
  const client = { client_id: clientId };
  // SMART backend-services.html#protocol-details: typ JWT, aud = the token endpoint, exp <= 5 min
  const clientAuth = oauth.PrivateKeyJwt(
    { key: keys.privateKey, kid: keys.kid },
    {
      [oauth.modifyAssertion]: (header, payload) => {
        header.typ = "JWT";
        payload.aud = config.token_endpoint;
        payload.exp = payload.iat + 240;
        delete payload.nbf;
      },
    },
  );
  const res = await oauth.clientCredentialsGrantRequest(
    as,
    client,
    clientAuth,
    { scope: "system/Patient.rs" },
    {
      [oauth.allowInsecureRequests]: true,
    },
  );
  const token = await oauth.processClientCredentialsResponse(as, client, res);
  const header = `Bearer ${token.access_token}`;
  const ms = performance.now() - start;
  if (typeof token.access_token !== "string" || header.length < 10) throw new Error("direct: no token");
  return { ms, tokenRequests: (await bench.tokenRequests()) - before };
}

/** `repeats` paired measurements (alternating order, after `warmup` unmeasured pairs); medians. */
export async function measureStampede({ env, concurrency = 1_000, repeats = 9, warmup = 2 }) {
  const ours = [];
  const direct = [];
  const ratios = [];
  const tokenRequests = [];
  for (let i = 0; i < warmup + repeats; i++) {
    let a, b;
    if (i % 2) {
      b = await directTokenRequest({ env });
      a = await coldStampede({ env, concurrency });
    } else {
      a = await coldStampede({ env, concurrency });
      b = await directTokenRequest({ env });
    }
    if (b.tokenRequests !== 1) throw new Error(`direct request made ${b.tokenRequests} token requests`);
    if (i < warmup) continue;
    ours.push(a.ms);
    direct.push(b.ms);
    ratios.push(a.ms / b.ms);
    tokenRequests.push(a.tokenRequests);
  }
  return {
    concurrency,
    repeats,
    oursMs: median(ours),
    directMs: median(direct),
    ratio: median(ratios),
    tokenRequests,
    maxTokenRequests: Math.max(...tokenRequests),
  };
}
