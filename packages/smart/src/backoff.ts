// The retry backoff of a token request, apart from the request itself: the lease check (lease.ts), which a launch
// page also runs, needs the figure but not oauth4webapi (a bundler that chunks by module keeps them apart).

/** The longest wait before retry `attempt + 1` (exponential, capped at 2 s; jittered down to half). */
export const backoffCeilingMs = (attempt: number): number => Math.min(2_000, 100 * 2 ** attempt);
