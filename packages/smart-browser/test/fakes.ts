import type { BrowserHistory, BrowserLocation } from "../src/index.js";

/** A Web Storage in memory, with an optional quota in characters (keys + values) like a browser's. */
export class MemoryStorage implements Storage {
  readonly #items = new Map<string, string>();
  constructor(readonly quota = Number.POSITIVE_INFINITY) {}
  get length(): number {
    return this.#items.size;
  }
  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    const used = [...this.#items].reduce((n, [k, v]) => n + (k === key ? 0 : k.length + v.length), 0);
    if (used + key.length + value.length > this.quota)
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    this.#items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.#items.delete(key);
  }
  clear(): void {
    this.#items.clear();
  }
  /** Everything stored, for assertions. */
  dump(): string {
    return JSON.stringify([...this.#items]);
  }
  [name: string]: unknown;
}

/** window.location and window.history as a page sees them, recording every navigation and URL replacement. */
export class FakeWindow implements BrowserLocation, BrowserHistory {
  href: string;
  state: unknown = null;
  readonly assigned: string[] = [];
  readonly urls: string[] = [];
  constructor(href: string) {
    this.href = href;
    this.urls.push(href);
  }
  assign(url: string): void {
    this.assigned.push(url);
  }
  replaceState(data: unknown, _unused: string, url?: string | URL | null): void {
    this.state = data;
    if (url != null) this.href = new URL(String(url), this.href).href;
    this.urls.push(this.href);
  }
  /** A navigation to `url` (a new page load). */
  visit(url: string): this {
    this.href = url;
    this.urls.push(url);
    return this;
  }
  get location(): BrowserLocation {
    return this;
  }
  get history(): BrowserHistory {
    return this;
  }
}
