import { DiscoveryError, DiscoveryErrorCode } from "./errors.js";
import type { DiscoveryOptions, SmartConfiguration } from "./types.js";
import { isInsecure, smartConfigurationUrl } from "./url.js";
import { validateSmartConfiguration } from "./validate.js";

interface Flight {
  promise: Promise<SmartConfiguration>;
  controller: AbortController;
  waiters: number;
  key?: string;
}

// Bounded, because an EHR launch's `iss` is outside input and each new one adds an entry
const MAX_ENTRIES = 100;
const cache = new Map<string, { fetchedAt: number; config: SmartConfiguration }>();
const inflight = new Map<string, Flight>();

/** Forgets every cached document and detaches requests in flight from the cache. */
export function clearDiscoveryCache(): void {
  cache.clear();
  inflight.clear();
}

/**
 * GETs `{fhirBase}/.well-known/smart-configuration` (SMART 2.2 conformance.html#using-well-known), validates it
 * with validateSmartConfiguration, caches it for `ttlMs` and shares one request among concurrent callers.
 */
export async function discoverSmartConfiguration(fhirBaseUrl: string | URL, options: DiscoveryOptions = {}): Promise<SmartConfiguration> {
  const { timeoutMs = 10_000, ttlMs = 300_000, now = Date.now, signal } = options;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const misuse = (what: string) => {
    throw new TypeError(`discoverSmartConfiguration: pass ${what}`);
  };
  if (typeof fetchImpl !== "function") misuse("options.fetch (there is no global fetch)");
  if (typeof timeoutMs !== "number" || !(timeoutMs > 0)) misuse("timeoutMs as milliseconds > 0");
  if (typeof ttlMs !== "number" || !(ttlMs >= 0)) misuse("ttlMs as milliseconds >= 0");
  if (typeof now !== "function") misuse("now as a function returning epoch milliseconds");

  const url = smartConfigurationUrl(fhirBaseUrl);
  // SMART 2.2 app-launch.html#app-protection: endpoints (and so secrets) come from this document, so it needs TLS
  if (isInsecure(new URL(url), options.allowInsecureRequests)) {
    throw new DiscoveryError(`${url} is plain http: use https, a loopback host or allowInsecureRequests`, { code: DiscoveryErrorCode.InsecureUrl, url });
  }
  signal?.throwIfAborted();

  const key = `${options.strict === true ? "s" : "-"}${options.allowInsecureRequests === true ? "i" : "-"} ${url}`;
  const useCache = options.cache !== false;
  const hit = useCache ? cache.get(key) : undefined;
  if (hit !== undefined && now() - hit.fetchedAt < ttlMs) return structuredClone(hit.config);

  let flight = useCache ? inflight.get(key) : undefined;
  if (flight === undefined) {
    const controller = new AbortController();
    const started: Flight = { controller, waiters: 0, promise: fetchConfiguration(url, fhirBaseUrl, fetchImpl, controller.signal, options) };
    flight = started;
    if (useCache) {
      started.key = key;
      inflight.set(key, started);
    }
    started.promise.then(
      (config) => {
        if (!detach(started)) return;
        cache.delete(key);
        cache.set(key, { fetchedAt: now(), config });
        if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
      },
      () => detach(started),
    );
  }
  return structuredClone(await join(flight, url, timeoutMs, signal));
}

/** Removes a flight from the in-flight map; true when it was still the registered one (so its result may be cached). */
function detach(flight: Flight): boolean {
  if (flight.key === undefined || inflight.get(flight.key) !== flight) return false;
  inflight.delete(flight.key);
  return true;
}

// Each caller has its own timer and signal; the shared request is aborted only when every caller has given up
function join(flight: Flight, url: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<SmartConfiguration> {
  flight.waiters++;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (gaveUp: boolean, finish: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (--flight.waiters === 0 && gaveUp) {
        detach(flight);
        flight.controller.abort();
      }
      finish();
    };
    const onAbort = () => settle(true, () => reject(signal?.reason));
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => {
          const error = new DiscoveryError(`No answer from ${url} within ${timeoutMs} ms`, { code: DiscoveryErrorCode.Timeout, url });
          settle(true, () => reject(error));
        }, timeoutMs)
      : undefined;
    signal?.addEventListener("abort", onAbort, { once: true });
    flight.promise.then(
      (config) => settle(false, () => resolve(config)),
      (error: unknown) => settle(false, () => reject(error)),
    );
  });
}

async function fetchConfiguration(
  url: string,
  fhirBaseUrl: string | URL,
  fetchImpl: typeof fetch,
  signal: AbortSignal,
  options: DiscoveryOptions,
): Promise<SmartConfiguration> {
  let response: Response | undefined;
  const fail = (code: DiscoveryErrorCode, problem: string, cause?: unknown): never => {
    void response?.body?.cancel().catch(() => {});
    throw new DiscoveryError(`${url} ${problem}`, { code, url, status: response?.status, response, cause });
  };
  try {
    // SMART 2.2 app-launch.html#retrieve-well-knownsmart-configuration: ask for JSON
    response = await fetchImpl(url, { headers: { accept: "application/json" }, signal });
  } catch (cause) {
    return fail(DiscoveryErrorCode.Network, "could not be reached", cause);
  }
  if (response.url && isInsecure(new URL(response.url), options.allowInsecureRequests)) fail(DiscoveryErrorCode.InsecureUrl, "redirected to plain http");
  if (!response.ok) fail(DiscoveryErrorCode.HttpStatus, `answered HTTP ${response.status}`);
  let text = "";
  try {
    text = await response.text();
  } catch (cause) {
    fail(DiscoveryErrorCode.Network, "broke off", cause);
  }
  let document: unknown;
  try {
    // Checklist E23: tolerate a UTF-8 BOM and any content type, as long as the body is JSON
    document = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    // The SyntaxError is not kept as cause: its message quotes the body
    fail(DiscoveryErrorCode.NotJson, `did not answer with JSON (${response.headers.get("content-type")?.split(";")[0] ?? "no content type"})`);
  }
  return validateSmartConfiguration(document, fhirBaseUrl, options);
}
