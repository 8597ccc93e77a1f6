/**
 * One timer for the whole process instead of one per token: a min-heap of (time, WeakRef) entries, the
 * timer armed for the earliest. A due entry calls `due(target, now)`, which returns a later time to be
 * called again at (the target's time moved) or undefined. Targets are held weakly: a dropped session is
 * collected with its tokens; its entry goes when its time comes. 100,000 sessions: 1 pending timer.
 */
export class RenewalScheduler<T extends object> {
  // parallel arrays: a heap of times (a packed double array) and the matching weak references
  #times: number[] = [];
  #refs: WeakRef<T>[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedAt = Number.POSITIVE_INFINITY;
  readonly #due: (target: T, now: number) => number | undefined;
  readonly #now: () => number;

  constructor(due: (target: T, now: number) => number | undefined, now: () => number = Date.now) {
    this.#due = due;
    this.#now = now;
  }

  /** Entries waiting (live or collected targets) and pending timers (0 or 1), for tests and the bench. */
  get stats(): { entries: number; timers: number } {
    return { entries: this.#times.length, timers: this.#timer === undefined ? 0 : 1 };
  }

  /** Call `due(target)` at `at` (epoch ms, the clock given) or soon after. */
  schedule(ref: WeakRef<T>, at: number): void {
    if (!Number.isFinite(at)) return;
    this.#push(at, ref);
    if (at < this.#armedAt) this.#arm();
  }

  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    if (this.#times.length === 0) return;
    const at = this.#times[0]!;
    // at most ~24.8 days per timer; an early fire only means one more look at the heap
    const delay = Math.max(0, Math.min(at - this.#now(), 2 ** 31 - 1));
    this.#armedAt = at;
    this.#timer = setTimeout(() => this.#fire(), delay);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    const now = this.#now();
    while (this.#times.length > 0 && this.#times[0]! <= now) {
      const ref = this.#pop();
      const target = ref.deref();
      if (target === undefined) continue;
      const later = this.#due(target, now);
      if (later !== undefined && later > now) this.#push(later, ref);
    }
    this.#arm();
  }

  #push(at: number, ref: WeakRef<T>): void {
    const times = this.#times;
    const refs = this.#refs;
    let i = times.length;
    times.push(at);
    refs.push(ref);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent]! <= at) break;
      times[i] = times[parent]!;
      refs[i] = refs[parent]!;
      i = parent;
    }
    times[i] = at;
    refs[i] = ref;
  }

  #pop(): WeakRef<T> {
    const times = this.#times;
    const refs = this.#refs;
    const top = refs[0]!;
    const lastTime = times.pop()!;
    const lastRef = refs.pop()!;
    const n = times.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && times[child + 1]! < times[child]!) child++;
        if (times[child]! >= lastTime) break;
        times[i] = times[child]!;
        refs[i] = refs[child]!;
        i = child;
      }
      times[i] = lastTime;
      refs[i] = lastRef;
    }
    return top;
  }
}
