import { DEFAULT_MAX_RESPONSE_BYTES, readCappedText } from "./body-limit.js";
import { DiscoveryError, DiscoveryErrorCode } from "./errors.js";
import type { DiscoveryOptions } from "./types.js";
import { isInsecure } from "./url.js";

/**
 * GETs `url` and parses its capped body as JSON; typed DiscoveryErrors for everything else. With `notFoundAsValue`,
 * a 404 is returned as its DiscoveryError rather than thrown (the caller falls back).
 */
export async function fetchJson(
  url: string,
  accept: string,
  fetchImpl: typeof fetch,
  signal: AbortSignal,
  options: DiscoveryOptions,
  notFoundAsValue = false,
  checkFinalUrl?: (finalUrl: URL) => DiscoveryError | undefined,
): Promise<unknown> {
  let response: Response | undefined;
  const error = (code: DiscoveryErrorCode, problem: string, cause?: unknown): DiscoveryError => {
    void response?.body?.cancel().catch(() => {});
    return new DiscoveryError(`${url} ${problem}`, { code, url, status: response?.status, response, cause });
  };
  const fail = (code: DiscoveryErrorCode, problem: string, cause?: unknown): never => {
    throw error(code, problem, cause);
  };
  try {
    // SMART 2.2 app-launch.html#retrieve-well-knownsmart-configuration: ask for JSON
    response = await fetchImpl(url, { headers: { accept }, signal });
  } catch (cause) {
    return fail(DiscoveryErrorCode.Network, "could not be reached", cause);
  }
  if (response.url && isInsecure(new URL(response.url), options.allowInsecureRequests))
    fail(DiscoveryErrorCode.InsecureUrl, "redirected to plain http");
  const refused = response.url ? checkFinalUrl?.(new URL(response.url)) : undefined;
  if (refused) {
    void response.body?.cancel().catch(() => {});
    throw refused;
  }
  if (response.status === 404 && notFoundAsValue) return error(DiscoveryErrorCode.HttpStatus, "answered HTTP 404");
  if (!response.ok) fail(DiscoveryErrorCode.HttpStatus, `answered HTTP ${response.status}`);
  // Issue 15: a capped, streamed read; past the cap the connection is dropped
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const read = readCappedText(response, maxBytes, (failure, _response, cause) =>
    failure === "too_large"
      ? new DiscoveryError(`${url} sent a body over ${maxBytes} bytes (see maxResponseBytes)`, {
          code: DiscoveryErrorCode.ResponseTooLarge,
          url,
          status: response?.status,
        })
      : new DiscoveryError(`${url} ${failure === "timeout" ? "timed out" : "broke off"} while sending its body`, {
          code: failure === "timeout" ? DiscoveryErrorCode.Timeout : DiscoveryErrorCode.Network,
          url,
          status: response?.status,
          retryable: true,
          cause,
        }),
  );
  const text = await read.catch((cause: unknown) => {
    if (DiscoveryError.is(cause)) throw cause;
    return fail(DiscoveryErrorCode.Network, "broke off", cause);
  });
  try {
    // Checklist E23: tolerate a UTF-8 BOM and any content type, as long as the body is JSON
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    // The SyntaxError is not kept as cause: its message quotes the body
    return fail(
      DiscoveryErrorCode.NotJson,
      `is not JSON (content type ${response.headers.get("content-type")?.split(";")[0] ?? "none"})`,
    );
  }
}
