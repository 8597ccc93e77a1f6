// A stand-in for @fhir-dsl/core's createFhirClient (not installable here), per its AuthProvider contract:
// getAuthorization({ url, method }) before each request, onUnauthorized() and one retry on a 401.
export function createFhirClient({ baseUrl, auth }) {
  const base = baseUrl.replace(/\/+$/, "");
  async function get(url) {
    const send = async () => {
      const authorization = await auth.getAuthorization({ url, method: "GET" });
      return fetch(url, { headers: { accept: "application/fhir+json", ...(authorization ? { authorization } : {}) } });
    };
    let res = await send();
    if (res.status === 401 && typeof auth.onUnauthorized === "function") {
      await auth.onUnauthorized();
      res = await send();
    }
    if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
    return res.json();
  }
  return {
    search(type) {
      const params = new URLSearchParams();
      const query = {
        count(n) {
          params.set("_count", String(n));
          return query;
        },
        execute: () => get(`${base}/${type}${params.size ? `?${params}` : ""}`),
      };
      return query;
    },
    read: (type, id) => ({ execute: () => get(`${base}/${type}/${encodeURIComponent(id)}`) }),
  };
}
