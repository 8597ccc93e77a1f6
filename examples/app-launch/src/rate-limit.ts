/**
 * A fixed-window counter per client (SECURITY.md F18): launch starts need no login and each holds a pending
 * launch for 10 minutes, so one client may start only `max` launches per `windowMs`. Memory is bounded:
 * at most `maxClients` counters; when full, expired ones go first, then the oldest window.
 */
export class RateLimit {
  readonly #windows = new Map<string, { count: number; until: number }>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxClients = 10_000,
  ) {
    if (!Number.isInteger(max) || max < 1 || !(windowMs > 0))
      throw new TypeError("RateLimit needs max >= 1 and windowMs > 0");
  }

  /** Count one start for `client`; the seconds to wait when over the limit, else 0. */
  take(client: string): number {
    const now = this.now();
    let window = this.#windows.get(client);
    if (!window || window.until <= now) {
      this.#windows.delete(client);
      if (this.#windows.size >= this.maxClients) {
        for (const [key, w] of this.#windows) if (w.until <= now) this.#windows.delete(key);
        if (this.#windows.size >= this.maxClients) this.#windows.delete(this.#windows.keys().next().value!);
      }
      window = { count: 0, until: now + this.windowMs };
      this.#windows.set(client, window);
    }
    if (window.count >= this.max) return Math.max(1, Math.ceil((window.until - now) / 1000));
    window.count++;
    return 0;
  }

  get clients(): number {
    return this.#windows.size;
  }
}
