/** A GET (or OPTIONS) with a timeout for the checks; never sends credentials. */
export async function probe(url: string, timeoutMs: number, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { redirect: "manual", ...init, signal: AbortSignal.timeout(timeoutMs) });
}

/** GET JSON; throws an Error whose message says what went wrong in a few words. */
export async function getJson(url: string, timeoutMs: number, accept = "application/json"): Promise<unknown> {
  let response: Response;
  try {
    response = await probe(url, timeoutMs, { headers: { accept } });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new Error(
      (error as Error).name === "TimeoutError"
        ? `no answer within ${timeoutMs} ms`
        : `unreachable${cause ? ` (${cause})` : ""}`,
    );
  }
  if (!response.ok) {
    void response.body?.cancel();
    throw new Error(`answered HTTP ${response.status}`);
  }
  try {
    return JSON.parse((await response.text()).replace(/^\uFEFF/, ""));
  } catch {
    throw new Error("did not answer JSON");
  }
}
