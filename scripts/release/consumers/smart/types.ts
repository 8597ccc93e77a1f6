// The seed README's TypeScript, type-checked against the tarballs (tsc --noEmit, skipLibCheck off).
import {
  BackendServicesAuth,
  DiscoveryError,
  SmartAuthError,
  SmartClient,
  buildAuthorizeUrl,
  buildScopes,
  codeChallengeS256,
  discoverSmartConfiguration,
  exchangeCode,
  fhirUser,
  generateCodeVerifier,
  generateState,
  offlineAccess,
  openid,
  parseScope,
  resourceScope,
} from "@fhir-dsl/smart";
import type { AuthProvider, StoredToken, TokenStore } from "@fhir-dsl/smart";
import type { Sandbox } from "@fhir-dsl/smart-sandbox";

export function backendServices(privateKey: CryptoKey): AuthProvider {
  return new BackendServicesAuth({
    issuer: "https://fhir.example.com/r4",
    clientId: "backend-client-id",
    scope: "system/Patient.rs system/Observation.rs",
    privateKey,
    alg: "ES384", // or "RS384"
    kid: "key-1", // optional — included in JWT header
  });
}

class EncryptedStore implements TokenStore {
  readonly #rows = new Map<string, StoredToken>();
  async get(key: string): Promise<StoredToken | undefined> {
    return this.#rows.get(key);
  }
  async set(key: string, value: StoredToken): Promise<void> {
    this.#rows.set(key, value);
  }
  async delete(key: string): Promise<void> {
    this.#rows.delete(key);
  }
}

export async function appLaunch(codeFromQuery: string, userId: string): Promise<string | undefined> {
  const smartConfig = await discoverSmartConfiguration("https://fhir.example.com/r4");
  const verifier = generateCodeVerifier();
  const challenge = await codeChallengeS256(verifier);
  const state = generateState();
  const url: string = buildAuthorizeUrl({
    smartConfig,
    clientId: "my-app",
    redirectUri: "https://app.example.com/callback",
    scope: "launch/patient openid fhirUser patient/Observation.rs offline_access",
    state,
    codeChallenge: challenge,
    aud: "https://fhir.example.com/r4",
    launch: "ehr-launch-token", // EHR launch only
  });
  void url;
  const tokens = await exchangeCode({
    smartConfig,
    clientId: "my-app",
    redirectUri: "https://app.example.com/callback",
    code: codeFromQuery,
    codeVerifier: verifier,
  });
  const smart = new SmartClient({
    smartConfig,
    clientId: "my-app",
    tokens,
    tokenStore: new EncryptedStore(),
    storeKey: `smart:${userId}`,
  });
  const auth: AuthProvider = smart;
  void auth;
  return smart.patientId;
}

export const scope: string = buildScopes([
  openid,
  fhirUser,
  offlineAccess,
  "launch/patient",
  resourceScope({ context: "patient", resource: "Observation", perms: ["r", "s"] }),
  resourceScope({ context: "patient", resource: "Condition", perms: "*" }),
]);
export const readsObservations: boolean = parseScope(scope).allows("read", "Observation", "patient");

export function describe(err: unknown): string {
  if (err instanceof SmartAuthError) return `${err.error} ${err.errorDescription} ${err.status}`;
  if (err instanceof DiscoveryError) return err.code;
  return "other";
}

export type FhirBase = Sandbox["fhirBaseUrl"];

new BackendServicesAuth({
  issuer: "https://fhir.example.com/r4",
  clientId: "c",
  scope: "system/Patient.rs",
  // @ts-expect-error Backend Services signs with RS384 or ES384 only (proves the types are not `any`)
  alg: "HS256",
});
