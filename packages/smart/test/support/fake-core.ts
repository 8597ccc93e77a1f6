/**
 * A stand-in for `createFhirClient` of @fhir-dsl/core (not installable here), using an AuthProvider
 * exactly as core does: `getAuthorization({ url, method })` before each request, and on a 401
 * `onUnauthorized()` then one retry. Enough of its fluent API to run the seed README examples verbatim.
 */
import type { AuthProvider } from "../../src/auth-provider.js";

export interface FakeFhirClientOptions {
  baseUrl: string;
  auth: AuthProvider;
}

export function createFhirClient({ baseUrl, auth }: FakeFhirClientOptions) {
  const base = baseUrl.replace(/\/+$/, "");
  const requests: { url: string; status: number }[] = [];

  async function get(url: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const authorization = await auth.getAuthorization({ url, method: "GET" });
      const headers: Record<string, string> = { accept: "application/fhir+json" };
      if (authorization) headers.authorization = authorization;
      const res = await fetch(url, { headers });
      requests.push({ url, status: res.status });
      if (res.status === 401 && attempt === 0 && auth.onUnauthorized) {
        await auth.onUnauthorized();
        continue;
      }
      if (!res.ok) throw new Error(`FHIR ${res.status} for ${url}`);
      return res.json();
    }
  }

  return {
    requests,
    search(type: string) {
      const params = new URLSearchParams();
      const builder = {
        count(n: number) {
          params.set("_count", String(n));
          return builder;
        },
        where(name: string, value: string) {
          params.append(name, value);
          return builder;
        },
        execute: () =>
          get(`${base}/${type}${params.size ? `?${params}` : ""}`) as Promise<{
            resourceType: "Bundle";
            entry?: { resource: { id: string; resourceType: string } }[];
            link?: { relation: string; url: string }[];
          }>,
      };
      return builder;
    },
    read(type: string, id: string) {
      return {
        execute: () =>
          get(`${base}/${type}/${encodeURIComponent(id)}`) as Promise<{ resourceType: string; id: string }>,
      };
    },
    get,
  };
}
