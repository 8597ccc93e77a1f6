/** Default cap on a response body read by the library: 1 MiB (discovery, token, introspection, revocation, JWKS). */
export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;

/** Why a body could not be read: over the cap, a timeout or abort, or the connection broke off. */
export type BodyFailure = "too_large" | "timeout" | "network";

/** Builds the typed error a capped body fails with (SmartAuthError, DiscoveryError, ...). */
export type BodyErrorFactory = (failure: BodyFailure, response: Response, cause?: unknown) => Error;

/** Whether `maxResponseBytes` is usable: a number > 0 (Infinity turns the cap off). */
export const isByteCap = (value: unknown): value is number => typeof value === "number" && value > 0;

const failureOf = (cause: unknown): BodyFailure =>
  /^(Timeout|Abort)Error$/.test(String((cause as Error | null)?.name)) ? "timeout" : "network";

/**
 * The same response with a body that yields at most `maxBytes` bytes (after content decoding, so a
 * compressed bomb counts at its real size), streamed: past the cap, or when reading fails (timeout or
 * reset mid-body), it errors with `toError(...)` and the original body is cancelled, which drops the connection.
 * A declared Content-Length over the cap fails on the first read, before any byte is buffered. With
 * `maxBytes` Infinity only the typed errors remain.
 */
export function limitResponse(response: Response, maxBytes: number, toError: BodyErrorFactory): Response {
  const source = response.body;
  // a null-body status (204, 304) has no body; a Response outside 200-599 cannot be rebuilt
  if (source === null || !(response.status >= 200 && response.status <= 599)) return response;
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let total = 0;
  const stop = (controller: ReadableStreamDefaultController<Uint8Array>, error: Error) => {
    controller.error(error);
    (reader ?? source).cancel(error).catch(() => {});
  };
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (declared > maxBytes) return stop(controller, toError("too_large", response));
        reader ??= source.getReader();
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (cause) {
          return controller.error(toError(failureOf(cause), response, cause));
        }
        if (chunk.done) return controller.close();
        total += chunk.value.byteLength;
        if (total > maxBytes) return stop(controller, toError("too_large", response));
        controller.enqueue(chunk.value);
      },
      cancel(reason) {
        return (reader ?? source).cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return copyResponse(response, body);
}

function copyResponse(response: Response, body: ReadableStream<Uint8Array>): Response {
  const copy = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  // url and redirected cannot be passed to the constructor; the redirect checks read them
  Object.defineProperties(copy, { url: { value: response.url }, redirected: { value: response.redirected } });
  return copy;
}

/**
 * A fetch whose responses have capped, typed-error bodies (see limitResponse), for libraries that read
 * bodies themselves (oauth4webapi's `customFetch`). The base fetch is looked up per call.
 */
export function limitedFetch(
  base: typeof fetch | undefined,
  maxBytes: number,
  toError: BodyErrorFactory,
): typeof fetch {
  return async (input, init) => limitResponse(await (base ?? globalThis.fetch)(input, init), maxBytes, toError);
}
