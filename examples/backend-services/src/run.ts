import {
  BackendServicesAuth,
  discoverSmartConfiguration,
  parseScope,
  trimTrailingSlashes,
  type StoredToken,
} from "@fhir-dsl/smart";
import { importPKCS8 } from "jose";
import { UsageError, type Config } from "./config.js";
import { startEmbedded, type Embedded } from "./embedded.js";
import { mapLimit, searchAll, type FhirResource, type Patient } from "./fhir.js";
import { openKmsSigner } from "./signer.js";
import { openTokenStore } from "./stores.js";

/** What a run did, for the report. No token in here. */
export interface RunSummary {
  embedded: boolean;
  fhirBaseUrl: string;
  discoveryUrl: string;
  tokenEndpoint: string;
  capabilities: readonly string[];
  clientId: string;
  alg: string;
  kid: string | undefined;
  /** SIGNER=kms: where the key is (no key material). */
  signer?: string;
  store: string;
  requestedScope: string;
  grantedScope: string | undefined;
  expiresInSeconds: number | undefined;
  /** Observations per patient; undefined when the granted scope does not allow reading them. */
  patients: { patient: Patient; observations: number | undefined }[];
  patientPages: number;
  observationPages: number;
  requests: { discovery: number; token: number; fhir: number };
  timings: { discovery: number; token: number; patients: number; observations: number; total: number };
}

/**
 * The job: discover, authenticate with SMART Backend Services, read every Patient (all pages) and each
 * one's Observations through the authorized fetch. https://hl7.org/fhir/smart-app-launch/backend-services.html
 */
export async function run(config: Config): Promise<RunSummary> {
  const started = performance.now();
  let embedded: Embedded | undefined;
  const tokenStore = await openTokenStore(config);
  let kmsSigner: Awaited<ReturnType<typeof openKmsSigner>>;
  try {
    kmsSigner = await openKmsSigner(config);
    if (!config.server)
      embedded = await startEmbedded({ ...config, ...(kmsSigner ? { signerJwk: kmsSigner.signer.publicJwk } : {}) });
    const fhirBaseUrl = config.server?.fhirBaseUrl ?? embedded!.sandbox.fhirBaseUrl;
    const clientId = config.server?.clientId ?? embedded!.clientId;
    const kid = kmsSigner?.signer.kid ?? config.kid ?? embedded?.kid;
    // SIGNER=kms: the signer stands where a key would (alg and kid come with it)
    const privateKey = kmsSigner?.signer ?? embedded?.privateKey ?? (await importKey(config));

    const requests = { discovery: 0, token: 0, fhir: 0 };
    const counted = countingFetch(requests);
    let mark = performance.now();
    const smartConfig = await discoverSmartConfiguration(fhirBaseUrl, {
      fetch: counted,
      allowInsecureRequests: config.allowInsecureRequests,
    });
    const discoveryMs = performance.now() - mark;
    const tokenEndpoint = smartConfig.token_endpoint;
    counted.tokenEndpoint = tokenEndpoint;

    const auth = new BackendServicesAuth({
      fhirBaseUrl,
      smartConfig,
      clientId,
      scope: config.scope,
      privateKey,
      ...(kmsSigner ? {} : { alg: config.alg, ...(kid ? { kid } : {}) }),
      tokenStore: tokenStore.store,
      // a store outage does not stop the job (it fetches its own token); say so once per failure
      onStoreError: (error) =>
        console.error(`backend-services: token store unavailable, continuing without it: ${error.message}`),
      fetch: counted,
      allowInsecureRequests: config.allowInsecureRequests,
    });

    mark = performance.now();
    const token: StoredToken = await auth.getToken();
    const tokenMs = performance.now() - mark;

    // SMART 2.2 scopes-and-launch-context.html: the granted scope may differ from the request (checklist E1)
    const granted = parseScope(token.scope ?? config.scope);
    if (!granted.allows("search", "Patient", "system")) {
      throw new UsageError(
        `the granted scope "${token.scope ?? ""}" does not allow searching Patient; ask for system/Patient.rs in SCOPE`,
      );
    }
    const readObservations = granted.allows("search", "Observation", "system");

    mark = performance.now();
    const base = trimTrailingSlashes(fhirBaseUrl);
    const { resources: patients, pages: patientPages } = await searchAll<Patient>(
      auth.fetch,
      `${base}/Patient?_count=${config.pageSize}`,
    );
    const patientsMs = performance.now() - mark;

    mark = performance.now();
    let observationPages = 0;
    const perPatient = await mapLimit(patients, 4, async (patient) => {
      if (!readObservations) return { patient, observations: undefined };
      const query = new URLSearchParams({ patient: `Patient/${patient.id}`, _count: String(config.pageSize) });
      const { resources, pages } = await searchAll<FhirResource>(auth.fetch, `${base}/Observation?${query}`);
      observationPages += pages;
      return { patient, observations: resources.length };
    });
    const observationsMs = performance.now() - mark;

    return {
      embedded: embedded !== undefined,
      fhirBaseUrl: base,
      discoveryUrl: `${base}/.well-known/smart-configuration`,
      tokenEndpoint,
      capabilities: smartConfig.capabilities,
      clientId,
      alg: config.alg,
      kid,
      ...(kmsSigner ? { signer: kmsSigner.label } : {}),
      store: tokenStore.label,
      requestedScope: config.scope,
      grantedScope: token.scope,
      expiresInSeconds: token.expires_at === undefined ? undefined : Math.round((token.expires_at - Date.now()) / 1000),
      patients: perPatient,
      patientPages,
      observationPages,
      requests,
      timings: {
        discovery: discoveryMs,
        token: tokenMs,
        patients: patientsMs,
        observations: observationsMs,
        total: performance.now() - started,
      },
    };
  } finally {
    await embedded?.sandbox.close();
    await kmsSigner?.close();
    await tokenStore.close();
  }
}

async function importKey(config: Config): Promise<CryptoKey> {
  try {
    return await importPKCS8(config.privateKeyPem ?? "", config.alg);
  } catch {
    throw new UsageError(
      `the private key is not a PKCS#8 PEM ${config.alg === "ES384" ? "P-384 EC" : "RSA"} key (ALG=${config.alg})`,
    );
  }
}

/** A fetch that counts discovery, token and FHIR requests (the report's "requests" line). */
function countingFetch(requests: RunSummary["requests"]): typeof fetch & { tokenEndpoint?: string } {
  const counted: typeof fetch & { tokenEndpoint?: string } = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.includes("/.well-known/smart-configuration")) requests.discovery++;
    else if (counted.tokenEndpoint !== undefined && url === counted.tokenEndpoint) requests.token++;
    else requests.fhir++;
    return fetch(input, init);
  };
  return counted;
}
