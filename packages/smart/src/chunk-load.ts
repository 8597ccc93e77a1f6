import { SmartAuthError, SmartAuthErrorCode } from "./errors.js";

/**
 * A part of the package loaded through import() on first use, its load failure typed: a chunk that cannot be
 * fetched (offline, the app's server down) is a retryable `network_error` with the loader's error as `cause`,
 * never a raw TypeError; the next caller tries the import again (issue 20 item 6).
 */
export function chunkLoader<T>(name: string, load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    if (loading) return loading;
    loading = load().catch((cause: unknown) => {
      loading = undefined;
      throw new SmartAuthError(`Could not load ${name}: its file was not reachable`, {
        code: SmartAuthErrorCode.Network,
        retryable: true,
        cause,
      });
    });
    loading.catch(() => undefined); // a load started ahead (beside a request that then failed) is awaited by no one
    return loading;
  };
}
