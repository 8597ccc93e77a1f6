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
 * The chunks of `response`'s body, at most `maxBytes` in all (after content decoding, so a compressed bomb
 * counts at its real size): `next()` gives the next chunk, undefined at the end; `cancel` cancels the body.
 * Past the cap, or when reading fails (timeout or reset mid-body), it throws `toError(...)`; past the cap it
 * also cancels the body, which drops the connection. A declared Content-Length over the cap fails on the
 * first read, before any byte is buffered.
 */
function cappedChunks(
  response: Response,
  source: ReadableStream<Uint8Array>,
  maxBytes: number,
  toError: BodyErrorFactory,
) {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let total = declared > maxBytes ? declared : 0;
  const cancel = (reason: unknown) => (reader ?? source).cancel(reason);
  const next = async (): Promise<Uint8Array | undefined> => {
    let chunk: ReadableStreamReadResult<Uint8Array> | undefined;
    if (total <= maxBytes) {
      reader ??= source.getReader();
      try {
        chunk = await reader.read();
      } catch (cause) {
        throw toError(failureOf(cause), response, cause);
      }
      if (chunk.done) return undefined;
      total += chunk.value.byteLength;
    }
    if (total <= maxBytes) return chunk!.value;
    const error = toError("too_large", response);
    cancel(error).catch(() => {});
    throw error;
  };
  return [next, cancel] as const;
}

/**
 * The same response with a body that yields at most `maxBytes` bytes (see cappedChunks), streamed: past the
 * cap, or when reading fails, it errors with `toError(...)`. With `maxBytes` Infinity only the typed errors remain.
 */
export function limitResponse(response: Response, maxBytes: number, toError: BodyErrorFactory): Response {
  const source = response.body;
  // a null-body status (204, 304) has no body; a Response outside 200-599 cannot be rebuilt
  if (source === null || !(response.status >= 200 && response.status <= 599)) return response;
  const [next, cancel] = cappedChunks(response, source, maxBytes, toError);
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const chunk = await next();
          chunk ? controller.enqueue(chunk) : controller.close();
        } catch (error) {
          controller.error(error);
        }
      },
      cancel,
    },
    { highWaterMark: 0 },
  );
  return copyResponse(response, body);
}

/**
 * `response`'s body as UTF-8 text (a BOM dropped, as `text()` does), capped as limitResponse caps it, read
 * straight from its stream: no second stream and Response to build for a body read here once (the discovery
 * document, on every cold start).
 */
export async function readCappedText(response: Response, maxBytes: number, toError: BodyErrorFactory): Promise<string> {
  const source = response.body;
  if (source === null) return "";
  const [next] = cappedChunks(response, source, maxBytes, toError);
  const decoder = new TextDecoder();
  let text = "";
  for (let chunk = await next(); chunk; chunk = await next()) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
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
