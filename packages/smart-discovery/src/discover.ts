import { DEFAULT_MAX_RESPONSE_BYTES, isByteCap } from "./body-limit.js";
import { DiscoveryError, DiscoveryErrorCode } from "./errors.js";
import type { DiscoveryOptions, SmartConfiguration } from "./types.js";
import { isInsecure, smartConfigurationUrl } from "./url.js";
import { validateSmartConfiguration } from "./validate.js";
import { fetchJson } from "./fetch-json.js";
import { legacyEnabled } from "./legacy-enabled.js";

interface Flight {
  promise: Promise<SmartConfiguration>;
  controller: AbortController;
  waiters: number;
  /** Set when the flight is shared through `inflight`. */
  key?: string;
}

// Bounded, because an EHR launch's `iss` is outside input and each new one adds an entry
const MAX_ENTRIES = 100;
const cache = new Map<string, [fetchedAt: number, config: SmartConfiguration]>();
const inflight = new Map<string | undefined, Flight>();

/** Forgets every cached document and detaches requests in flight from the cache. */
export function clearDiscoveryCache(): void {
  cache.clear();
  inflight.clear();
}

/** Removes a flight from `inflight`; true when it was still the registered one (so its result may be cached). */
const detach = (flight: Flight): boolean => inflight.get(flight.key) === flight && inflight.delete(flight.key);

/**
 * GETs `{fhirBase}/.well-known/smart-configuration` (SMART 2.2 conformance.html#using-well-known), validates it
 * with validateSmartConfiguration, caches it for `ttlMs` and shares one request among concurrent callers.
 */
export async function discoverSmartConfiguration(
  fhirBaseUrl: string | URL,
  options: DiscoveryOptions = {},
): Promise<SmartConfiguration> {
  const { timeoutMs = 10_000, ttlMs = 300_000, now = Date.now, signal, allowInsecureRequests } = options;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const misuse = (what: string) => {
    throw new TypeError(`discoverSmartConfiguration: pass ${what}`);
  };
  if (typeof fetchImpl !== "function") misuse("options.fetch (no global fetch)");
  if (typeof timeoutMs !== "number" || !(timeoutMs > 0)) misuse("timeoutMs > 0");
  if (typeof ttlMs !== "number" || !(ttlMs >= 0)) misuse("ttlMs >= 0");
  if (typeof now !== "function") misuse("now as a function");
  if (options.maxResponseBytes !== undefined && !isByteCap(options.maxResponseBytes)) misuse("maxResponseBytes > 0");

  const url = smartConfigurationUrl(fhirBaseUrl);
  // SMART 2.2 app-launch.html#app-protection: endpoints (and so secrets) come from this document, so it needs TLS
  if (isInsecure(new URL(url), allowInsecureRequests)) {
    throw new DiscoveryError(`${url} is plain http (see allowInsecureRequests)`, {
      code: DiscoveryErrorCode.InsecureUrl,
      url,
    });
  }
  signal?.throwIfAborted();

  const key = String([
    options.strict === true,
    legacyEnabled(options),
    allowInsecureRequests === true,
    options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    url,
  ]);
  const useCache = options.cache !== false;
  const hit = useCache && cache.get(key);
  if (hit && now() - hit[0] < ttlMs) return structuredClone(hit[1]);
  let flight = useCache ? inflight.get(key) : undefined;
  if (!flight) {
    const controller = new AbortController();
    const started: Flight = (flight = {
      controller,
      waiters: 0,
      promise: fetchConfiguration(url, fhirBaseUrl, fetchImpl, controller.signal, options),
    });
    if (useCache) inflight.set((started.key = key), started);
    started.promise.then(
      (config) => {
        if (!detach(started)) return;
        cache.delete(key);
        cache.set(key, [now(), config]);
        if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
      },
      () => detach(started),
    );
  }
  return structuredClone(await join(flight, url, timeoutMs, signal));
}

// Each caller has its own timer and signal; the shared request is aborted only when every caller has given up
function join(
  flight: Flight,
  url: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<SmartConfiguration> {
  flight.waiters++;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (gaveUp: boolean, finish: (value: never) => void, value: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (--flight.waiters === 0 && gaveUp) {
        detach(flight);
        flight.controller.abort();
      }
      finish(value as never);
    };
    const onAbort = () => settle(true, reject, signal?.reason);
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => {
          settle(
            true,
            reject,
            new DiscoveryError(`${url} timed out after ${timeoutMs} ms`, { code: DiscoveryErrorCode.Timeout, url }),
          );
        }, timeoutMs)
      : undefined;
    signal?.addEventListener("abort", onAbort, { once: true });
    flight.promise.then(
      (config) => settle(false, resolve, config),
      (error: unknown) => settle(false, reject, error),
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
  const result = await fetchJson(url, "application/json", fetchImpl, signal, options, legacyEnabled(options));
  // SMART 2.2 conformance.html#using-well-known is required, but SMART v1 servers only have a CapabilityStatement
  if (result instanceof DiscoveryError)
    return (await loadLegacyDiscovery()).discoverLegacy(result, fhirBaseUrl, fetchImpl, signal, options);
  return validateSmartConfiguration(result, fhirBaseUrl, options);
}

let legacyDiscovery: Promise<typeof import("./legacy-discovery.js")> | undefined;

/** The CapabilityStatement fallback, imported once on the first 404 (issue 20 item 6: servers with a .well-known never load it). */
function loadLegacyDiscovery(): Promise<typeof import("./legacy-discovery.js")> {
  if (!legacyDiscovery) {
    legacyDiscovery = import("./legacy-discovery.js");
    legacyDiscovery.catch(() => (legacyDiscovery = undefined)); // a failed load is retried by the next caller
  }
  return legacyDiscovery;
}
