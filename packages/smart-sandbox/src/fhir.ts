import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import { buildFixtures, FIXTURES, type FhirResource } from "./fixtures.js";
import { permitting, type ResourceScope, splitScope } from "./scopes.js";
import type { GrantInfo } from "./state.js";
import type { SandboxStats } from "./types.js";

export interface FhirServerSetup {
  provider: Provider;
  fhirBaseUrl: string;
  grants: Map<string, GrantInfo>;
  stats: SandboxStats;
  capabilityStatement(): Record<string, unknown>;
}

const FHIR_JSON = "application/fhir+json; charset=utf-8";
const MAX_COUNT = 100;
const DEFAULT_COUNT = 50;

interface AccessInfo {
  scopes: string[];
  patient: string | undefined;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": FHIR_JSON, "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}

export function operationOutcome(code: string, diagnostics: string, severity = "error"): Record<string, unknown> {
  return { resourceType: "OperationOutcome", issue: [{ severity, code, diagnostics }] };
}

function unauthorized(res: ServerResponse, description: string): void {
  // RFC 6750 section 3: the challenge names the error
  send(res, 401, operationOutcome("login", description), {
    "www-authenticate": `Bearer realm="fhir", error="invalid_token", error_description="${description}"`,
  });
}

/** The FHIR endpoint: public metadata, token-guarded reads and searches over the fixtures. */
export class FhirServer {
  private readonly resources = buildFixtures();

  constructor(private readonly setup: FhirServerSetup) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, rest: string): Promise<void> {
    const cors = {
      "access-control-allow-origin": "*",
      "access-control-expose-headers": "WWW-Authenticate, Location, Content-Location",
    };
    for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        "access-control-allow-methods": "GET, HEAD, OPTIONS",
        "access-control-allow-headers": "Authorization, Accept, Content-Type, Prefer",
        "access-control-max-age": "600",
      });
      res.end();
      return;
    }
    this.setup.stats.fhirRequests += 1;
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(res, 405, operationOutcome("not-supported", "the sandbox FHIR server is read-only"), { allow: "GET, HEAD" });
      return;
    }
    const segments = rest.split("/").filter(Boolean);
    if (segments.length === 1 && segments[0] === "metadata") {
      send(res, 200, this.setup.capabilityStatement());
      return;
    }
    const access = await this.authenticate(req, res);
    if (!access) return;

    const [type, id, ...extra] = segments;
    if (!type || extra.length > 0 || !/^[A-Z][A-Za-z]+$/.test(type)) {
      send(res, 404, operationOutcome("not-found", "unknown FHIR path"));
      return;
    }
    if (id === undefined) this.search(res, url, type, access);
    else this.read(res, type, id, access);
  }

  private async authenticate(req: IncomingMessage, res: ServerResponse): Promise<AccessInfo | undefined> {
    const header = req.headers.authorization;
    const match = typeof header === "string" ? /^Bearer +([^\s]+)$/i.exec(header) : null;
    if (!match?.[1]) {
      unauthorized(res, "a bearer access token is required");
      return undefined;
    }
    const value = match[1];
    const { provider, fhirBaseUrl } = this.setup;
    const token = (await provider.AccessToken.find(value)) ?? (await provider.ClientCredentials.find(value));
    if (!token || token.isExpired) {
      unauthorized(res, "the access token is invalid, expired or revoked");
      return undefined;
    }
    const aud = (token as unknown as { aud?: string | string[] }).aud;
    const audiences = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
    if (!audiences.includes(fhirBaseUrl)) {
      unauthorized(res, "the access token was not issued for this FHIR server");
      return undefined;
    }
    let patient: string | undefined;
    const grantId = (token as unknown as { grantId?: string }).grantId;
    if (grantId !== undefined) {
      const grant = await provider.Grant.find(grantId);
      if (!grant) {
        unauthorized(res, "the access token is invalid, expired or revoked");
        return undefined;
      }
      patient = this.setup.grants.get(grantId)?.context.patient;
    }
    return { scopes: splitScope(token.scope), patient };
  }

  /** Which scopes let this token do `perm` on `type`, and whether they confine it to the patient. */
  private allowed(res: ServerResponse, type: string, perm: "r" | "s", access: AccessInfo) {
    const scopes = permitting(access.scopes, type, perm);
    if (scopes.length === 0) {
      const what = perm === "r" ? "read" : "search";
      send(res, 403, operationOutcome("forbidden", `the granted scopes do not allow ${what} of ${type}`));
      return undefined;
    }
    const wide = scopes.filter((s) => s.context !== "patient");
    const effective = wide.length ? wide : scopes;
    if (!wide.length && access.patient === undefined) {
      send(res, 403, operationOutcome("forbidden", "patient/ scopes need a patient in the launch context"));
      return undefined;
    }
    return { effective, patientOnly: wide.length === 0 };
  }

  private visible(
    resource: FhirResource,
    rule: { effective: ResourceScope[]; patientOnly: boolean },
    patient?: string,
  ) {
    if (rule.patientOnly && !inCompartment(resource, patient as string)) return false;
    // SMART 2.2 scopes-and-launch-context.html#finer-grained-resource-constraints-using-search-parameters
    return rule.effective.some((s) => s.query === undefined || matchesQuery(resource, new URLSearchParams(s.query)));
  }

  private read(res: ServerResponse, type: string, id: string, access: AccessInfo): void {
    const rule = this.allowed(res, type, "r", access);
    if (!rule) return;
    const resource = this.resources.find((r) => r.resourceType === type && r.id === id);
    if (!resource) {
      send(res, 404, operationOutcome("not-found", `${type}/${id} is not known`));
      return;
    }
    if (!this.visible(resource, rule, access.patient)) {
      send(res, 403, operationOutcome("forbidden", `the granted scopes do not allow read of ${type}/${id}`));
      return;
    }
    send(res, 200, resource);
  }

  private search(res: ServerResponse, url: URL, type: string, access: AccessInfo): void {
    const rule = this.allowed(res, type, "s", access);
    if (!rule) return;
    if (!(FIXTURES.resourceTypes as readonly string[]).includes(type)) {
      send(res, 404, operationOutcome("not-supported", `${type} is not served by the sandbox`));
      return;
    }
    const params = url.searchParams;
    const count = clampInt(params.get("_count"), DEFAULT_COUNT, 0, MAX_COUNT);
    const offset = clampInt(params.get("_offset"), 0, 0, Number.MAX_SAFE_INTEGER);
    const criteria = new URLSearchParams();
    for (const [k, v] of params) if (!k.startsWith("_") || k === "_id") criteria.append(k, v);
    const matches = this.resources.filter(
      (r) => r.resourceType === type && matchesQuery(r, criteria, true) && this.visible(r, rule, access.patient),
    );
    const page = matches.slice(offset, offset + count);
    const base = `${this.setup.fhirBaseUrl}/${type}`;
    const pageUrl = (at: number) => {
      const q = new URLSearchParams(criteria);
      q.set("_count", String(count));
      if (at > 0) q.set("_offset", String(at));
      return `${base}?${q.toString()}`;
    };
    const link = [{ relation: "self", url: pageUrl(offset) }];
    if (count > 0 && offset + count < matches.length) link.push({ relation: "next", url: pageUrl(offset + count) });
    if (offset > 0) link.push({ relation: "previous", url: pageUrl(Math.max(0, offset - count)) });
    send(res, 200, {
      resourceType: "Bundle",
      type: "searchset",
      total: matches.length,
      link,
      entry: page.map((resource) => ({
        fullUrl: `${base}/${resource.id}`,
        resource,
        search: { mode: "match" },
      })),
    });
  }
}

function clampInt(raw: string | null, fallback: number, min: number, max: number): number {
  if (raw === null || !/^\d+$/.test(raw)) return fallback;
  return Math.min(max, Math.max(min, Number(raw)));
}

function subjectOf(resource: FhirResource): string | undefined {
  const subject = (resource.subject as { reference?: string } | undefined)?.reference;
  return subject ?? (resource.resourceType === "Patient" ? `Patient/${resource.id}` : undefined);
}

/** Patient compartment; Practitioner is outside every compartment and readable with a patient scope. */
function inCompartment(resource: FhirResource, patient: string): boolean {
  if (resource.resourceType === "Practitioner") return true;
  return subjectOf(resource) === `Patient/${patient}`;
}

function codings(value: unknown): Array<{ system?: string; code?: string }> {
  const concepts = Array.isArray(value) ? value : value ? [value] : [];
  return concepts.flatMap((c: { coding?: Array<{ system?: string; code?: string }> }) => c?.coding ?? []);
}

function tokenMatches(value: unknown, wanted: string): boolean {
  return wanted.split(",").some((w) => {
    const bar = w.indexOf("|");
    return codings(value).some((c) =>
      bar === -1 ? c.code === w : c.system === w.slice(0, bar) && c.code === w.slice(bar + 1),
    );
  });
}

/** Matches the few search parameters the sandbox knows; unknown ones match nothing unless `lenient`. */
export function matchesQuery(resource: FhirResource, query: URLSearchParams, lenient = false): boolean {
  for (const [name, value] of query) {
    let ok: boolean;
    switch (name) {
      case "_id":
        ok = value.split(",").includes(resource.id);
        break;
      case "patient":
      case "subject": {
        const ref = subjectOf(resource);
        ok = ref !== undefined && value.split(",").some((v) => ref === (v.includes("/") ? v : `Patient/${v}`));
        if (resource.resourceType === "Patient" || resource.resourceType === "Practitioner") ok = false;
        break;
      }
      case "category":
        ok = tokenMatches(resource.category, value);
        break;
      case "code":
        ok = tokenMatches(resource.code, value);
        break;
      case "encounter":
        ok = value
          .split(",")
          .some(
            (v) =>
              (resource.encounter as { reference?: string } | undefined)?.reference ===
              (v.includes("/") ? v : `Encounter/${v}`),
          );
        break;
      case "status":
        ok = value.split(",").includes(String(resource.status));
        break;
      default:
        ok = lenient;
    }
    if (!ok) return false;
  }
  return true;
}
