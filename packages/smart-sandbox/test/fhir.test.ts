import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, type Sandbox, startSandbox } from "../src/index.js";
import { clientAssertion, discover, fhirGet, keyPair, publicLogin, REDIRECT_URI, tokenPost } from "./helpers.js";

let sandbox: Sandbox;
let as: oauth.AuthorizationServer;

beforeAll(async () => {
  sandbox = await startSandbox({ clients: [{ clientId: "app", redirectUris: [REDIRECT_URI] }] });
  as = await discover(sandbox);
});
afterAll(() => sandbox.close());

const login = (scope: string, launch?: string) => publicLogin(sandbox, as, "app", scope, launch);

describe("FHIR endpoint: authentication (E20)", () => {
  it("metadata is public and lists the SMART oauth-uris", async () => {
    const { status, body } = await fhirGet(sandbox, "metadata");
    expect(status).toBe(200);
    expect(body.resourceType).toBe("CapabilityStatement");
    expect(JSON.stringify(body)).toContain(sandbox.tokenEndpoint);
  });

  it("no token, an unknown token, an expired token: 401 with WWW-Authenticate invalid_token", async () => {
    for (const token of [undefined, "not-a-token"]) {
      const res = await fhirGet(sandbox, "Patient/patient-1", token);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer .*error="invalid_token"/);
      expect(res.body.resourceType).toBe("OperationOutcome");
    }
    sandbox.faults.setAccessTokenLifetime(1);
    try {
      const tokens = await login("launch/patient patient/*.rs");
      expect(tokens.expires_in).toBe(1);
      expect((await fhirGet(sandbox, "Patient/patient-1", tokens.access_token)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const res = await fhirGet(sandbox, "Patient/patient-1", tokens.access_token);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    } finally {
      sandbox.faults.reset();
    }
  });

  it("a revoked token is refused", async () => {
    const tokens = await login("launch/patient patient/*.rs");
    const res = await oauth.revocationRequest(as, { client_id: "app" }, oauth.None(), tokens.access_token, {
      [oauth.allowInsecureRequests]: true,
    });
    await oauth.processRevocationResponse(res);
    expect((await fhirGet(sandbox, "Patient/patient-1", tokens.access_token)).status).toBe(401);
  });

  it("a token of another sandbox (another audience) is refused", async () => {
    const other = await startSandbox({ clients: [{ clientId: "app", redirectUris: [REDIRECT_URI] }] });
    try {
      const tokens = await publicLogin(other, await discover(other), "app", "launch/patient patient/*.rs");
      expect((await fhirGet(sandbox, "Patient/patient-1", tokens.access_token)).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it("answers CORS preflights", async () => {
    const res = await fetch(`${sandbox.fhirBaseUrl}/Patient`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:3000", "access-control-request-headers": "authorization" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-headers")).toMatch(/authorization/i);
  });
});

describe("FHIR endpoint: scopes enforced (checklist 3.x)", () => {
  it("patient/ scopes see only the launch patient's compartment", async () => {
    const tokens = await login("launch/patient patient/Patient.rs patient/Observation.rs");
    expect((await fhirGet(sandbox, "Patient/patient-1", tokens.access_token)).status).toBe(200);
    const other = await fhirGet(sandbox, "Patient/patient-2", tokens.access_token);
    expect(other.status).toBe(403);
    expect(other.body.resourceType).toBe("OperationOutcome");
    expect((await fhirGet(sandbox, "Observation/obs-patient-2-lab", tokens.access_token)).status).toBe(403);
    const search = await fhirGet(sandbox, "Observation", tokens.access_token);
    expect(search.body.total).toBe(2);
    const subjects = search.body.entry.map((e: any) => e.resource.subject.reference);
    expect(new Set(subjects)).toEqual(new Set(["Patient/patient-1"]));
    expect((await fhirGet(sandbox, "Observation?patient=patient-2", tokens.access_token)).body.total).toBe(0);
  });

  it("a type not granted gets 403", async () => {
    const tokens = await login("launch/patient patient/Observation.rs");
    const res = await fhirGet(sandbox, "Condition?patient=patient-1", tokens.access_token);
    expect(res.status).toBe(403);
    expect(res.body.issue[0].code).toBe("forbidden");
    expect((await fhirGet(sandbox, "Condition/condition-patient-1", tokens.access_token)).status).toBe(403);
  });

  it("read (.r) without search (.s) allows reads only", async () => {
    const tokens = await login("launch/patient patient/Observation.r");
    expect((await fhirGet(sandbox, "Observation/obs-patient-1-lab", tokens.access_token)).status).toBe(200);
    expect((await fhirGet(sandbox, "Observation", tokens.access_token)).status).toBe(403);
  });

  it("v1 scopes (.read) and wildcards work like their v2 forms (permission-v1)", async () => {
    const tokens = await login("launch/patient patient/*.read");
    expect((await fhirGet(sandbox, "Condition", tokens.access_token)).body.total).toBe(1);
    expect((await fhirGet(sandbox, "Encounter/encounter-patient-1", tokens.access_token)).status).toBe(200);
  });

  it("user/ scopes see every patient", async () => {
    const tokens = await login("openid fhirUser user/*.rs");
    expect((await fhirGet(sandbox, "Patient/patient-4", tokens.access_token)).status).toBe(200);
    expect((await fhirGet(sandbox, "Observation", tokens.access_token)).body.total).toBe(10);
    expect((await fhirGet(sandbox, `Practitioner/${FIXTURES.practitioner}`, tokens.access_token)).status).toBe(200);
  });

  it("granular scopes (?category=) filter what is visible", async () => {
    const tokens = await login("launch/patient patient/Observation.rs?category=laboratory");
    const res = await fhirGet(sandbox, "Observation", tokens.access_token);
    expect(res.body.total).toBe(1);
    expect(res.body.entry[0].resource.id).toBe("obs-patient-1-lab");
    expect((await fhirGet(sandbox, "Observation/obs-patient-1-vitals", tokens.access_token)).status).toBe(403);
  });

  it("patient/ scopes without a patient in context are refused", async () => {
    const tokens = await login("patient/*.rs");
    expect((await fhirGet(sandbox, "Patient/patient-1", tokens.access_token)).status).toBe(403);
  });

  it("system/ scopes of a backend token see everything", async () => {
    const key = await keyPair("ES384", "k");
    await sandbox.registerClient({ clientId: "svc", jwks: { keys: [key.publicJwk] } });
    const res = await tokenPost(sandbox, {
      grant_type: "client_credentials",
      scope: "system/Observation.rs",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: await clientAssertion(sandbox, "svc", key),
    });
    const token = res.body.access_token as string;
    expect((await fhirGet(sandbox, "Observation?_count=100", token)).body.total).toBe(10);
    expect((await fhirGet(sandbox, "Patient", token)).status).toBe(403);
  });
});

describe("FHIR endpoint: reads and searches", () => {
  let token: string;
  beforeAll(async () => {
    token = (await login("user/*.rs")).access_token;
  });

  it("Patient?_count=2 pages with next links until the end", async () => {
    const ids: string[] = [];
    let url: string | undefined = `${sandbox.fhirBaseUrl}/Patient?_count=2`;
    let pages = 0;
    while (url) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      const bundle = (await res.json()) as any;
      expect(bundle).toMatchObject({ resourceType: "Bundle", type: "searchset", total: 5 });
      ids.push(...bundle.entry.map((e: any) => e.resource.id));
      url = bundle.link.find((l: any) => l.relation === "next")?.url;
      if (url) expect(url.startsWith(`${sandbox.fhirBaseUrl}/Patient?`)).toBe(true);
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(ids).toEqual([...FIXTURES.patients]);
  });

  it("filters by patient=, subject=, _id, code and category", async () => {
    const get = async (q: string) => (await fhirGet(sandbox, q, token)).body;
    expect((await get("Observation?patient=patient-2")).total).toBe(2);
    expect((await get("Observation?subject=Patient/patient-2")).total).toBe(2);
    expect((await get("Condition?patient=patient-3")).entry[0].resource.id).toBe("condition-patient-3");
    expect((await get("Encounter?subject=patient-4")).entry[0].resource.id).toBe("encounter-patient-4");
    expect((await get("Patient?_id=patient-1,patient-2")).total).toBe(2);
    expect((await get("Observation?code=http://loinc.org|2339-0")).total).toBe(5);
    expect((await get("Observation?category=vital-signs&patient=patient-1")).total).toBe(1);
  });

  it("every fixture id in FIXTURES can be read", async () => {
    const refs = [
      ...FIXTURES.patients.map((id) => `Patient/${id}`),
      ...FIXTURES.observations.map((id) => `Observation/${id}`),
      ...FIXTURES.conditions.map((id) => `Condition/${id}`),
      ...FIXTURES.encounters.map((id) => `Encounter/${id}`),
      `Practitioner/${FIXTURES.practitioner}`,
    ];
    for (const ref of refs) expect((await fhirGet(sandbox, ref, token)).status, ref).toBe(200);
  });

  it("unknown ids and types: 404 OperationOutcome; writes: 405", async () => {
    expect((await fhirGet(sandbox, "Patient/nobody", token)).status).toBe(404);
    expect((await fhirGet(sandbox, "Medication", token)).status).toBe(404);
    const res = await fetch(`${sandbox.fhirBaseUrl}/Patient`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(405);
  });

  it("counts FHIR requests", async () => {
    const before = sandbox.stats.fhirRequests;
    await fhirGet(sandbox, "Patient/patient-1", token);
    await fhirGet(sandbox, "Patient/patient-1");
    expect(sandbox.stats.fhirRequests).toBe(before + 2);
  });
});
