/**
 * Wraps `run` so that all callers while it is pending share one promise: a stampede of a thousand callers
 * on a cold provider costs one promise, not a chain of async frames each (BENCHMARKS.md, cold start).
 * Once settled, the next call runs again.
 */
export function singleFlight<T>(run: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (pending) return pending;
    const p = (pending = run());
    // registered before any caller's reaction, so a caller that resumes finds `pending` already cleared
    const done = () => {
      if (pending === p) pending = undefined;
    };
    p.then(done, done);
    return p;
  };
}
