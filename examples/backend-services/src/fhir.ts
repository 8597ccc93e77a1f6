/** The few FHIR R4 shapes this example reads. */
export interface Bundle<T = FhirResource> {
  resourceType: "Bundle";
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: { resource?: T }[];
}
export interface FhirResource {
  resourceType: string;
  id: string;
}
export interface Patient extends FhirResource {
  name?: { family?: string; given?: string[]; text?: string }[];
  birthDate?: string;
}

/** A FHIR server that answered with something other than success. */
export class FhirRequestError extends Error {
  override name = "FhirRequestError";
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`GET ${url.split("?")[0]} answered HTTP ${status}`);
  }
}

/** A search whose `next` links do not end: a page seen before (a self-link) or more than `maxPages` pages. */
export class PagingError extends Error {
  override name = "PagingError";
  constructor(
    readonly url: string,
    why: string,
  ) {
    super(`GET ${url.split("?")[0]}: ${why}`);
  }
}

/** Default cap on the pages one search follows: a server (or a man in the middle) decides how many `next` links there are. */
export const MAX_PAGES = 1_000;

/**
 * Every resource of a search, following `next` links page by page, at most `maxPages` pages and never the
 * same page twice (a self-link would spin forever). The authorized fetch decides per URL whether the token
 * goes along, so a `next` link to another origin never gets it (checklist E21).
 */
export async function searchAll<T extends FhirResource>(
  fetch: typeof globalThis.fetch,
  url: string,
  maxPages = MAX_PAGES,
): Promise<{ resources: T[]; pages: number }> {
  const resources: T[] = [];
  const seen = new Set<string>();
  let pages = 0;
  for (let next: string | undefined = url; next !== undefined; pages++) {
    if (seen.has(next)) throw new PagingError(next, "the next link points to a page already read");
    if (pages >= maxPages) throw new PagingError(url, `the search has more than ${maxPages} pages`);
    seen.add(next);
    const response = await fetch(next, { headers: { accept: "application/fhir+json" } });
    if (!response.ok) {
      await response.body?.cancel();
      throw new FhirRequestError(next, response.status);
    }
    const bundle = (await response.json()) as Bundle<T>;
    for (const entry of bundle.entry ?? []) if (entry.resource) resources.push(entry.resource);
    next = bundle.link?.find((link) => link.relation === "next")?.url;
  }
  return { resources, pages };
}

/** "Rivera, Ana" from a Patient's first name. */
export function displayName(patient: Patient): string {
  const name = patient.name?.[0];
  if (!name) return `Patient/${patient.id}`;
  if (name.text) return name.text;
  return [name.family, name.given?.join(" ")].filter(Boolean).join(", ") || `Patient/${patient.id}`;
}

/** Run `task` over `items`, at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let index = 0;
  const worker = async () => {
    while (index < items.length) {
      const i = index++;
      results[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
