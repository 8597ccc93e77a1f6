import { SmartAuthError, SmartAuthErrorCode, type LaunchRecord, type LaunchStateStore } from "@fhir-dsl/smart";
import {
  corrupt,
  keysUnder,
  parseObject,
  resolveWebStorage,
  storageCall,
  type WebStorageOptions,
} from "./web-storage.js";

const FORMAT_VERSION = 1;
const REQUIRED = ["state", "codeVerifier", "redirectUri", "fhirBaseUrl", "clientId", "scope"] as const;
const OPTIONAL = ["nonce", "launch", "session"] as const;

export interface WebStorageLaunchStateStoreOptions extends WebStorageOptions {
  /** Clock in epoch ms (default Date.now). */
  now?: () => number;
  /** Most launches waiting in this storage (default 16); the next start is refused with `launch_limit` (F18). */
  maxEntries?: number;
}

/** Why `value` is not a LaunchRecord for `state`, or undefined when it is one. */
function invalidRecord(value: unknown, state: string): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a launch record";
  const r = value as Record<string, unknown>;
  for (const name of REQUIRED)
    if (typeof r[name] !== "string" || (r[name] as string).length === 0) return `${name} must be a non-empty string`;
  for (const name of OPTIONAL)
    if (r[name] !== undefined && typeof r[name] !== "string") return `${name} must be a string`;
  if (typeof r.smartConfig !== "object" || r.smartConfig === null || Array.isArray(r.smartConfig))
    return "smartConfig must be an object";
  if (typeof r.createdAt !== "number" || !Number.isFinite(r.createdAt)) return "createdAt must be a number";
  // a record copied under another state's key must not complete that state's callback (checklist 2.3, E12)
  return r.state === state ? undefined : "stored under another state";
}

/**
 * A LaunchStateStore over Web Storage (default `sessionStorage`): one key per `state`, so several launches
 * (tabs) never collide (checklist E12); `take` reads and removes in one synchronous step, so a state is
 * usable once (checklist 2.3); expired records are swept on every `put`; a tampered record is removed and
 * read as TokenStoreError `store_corrupt_value`. The record holds the PKCE verifier: per-tab storage keeps it
 * from other tabs and from the server logs a URL would reach.
 */
export class WebStorageLaunchStateStore implements LaunchStateStore {
  readonly #storage: Storage;
  readonly #now: () => number;
  readonly #max: number;
  /** Every key this store writes starts with this prefix (`smart:<clientId>:launch:` by default). */
  readonly prefix: string;

  constructor(options: WebStorageLaunchStateStoreOptions) {
    const { storage, prefix } = resolveWebStorage("WebStorageLaunchStateStore", options);
    const max = options.maxEntries ?? 16;
    if (!Number.isInteger(max) || max < 1)
      throw new TypeError("WebStorageLaunchStateStore needs maxEntries as a positive integer");
    this.#storage = storage;
    this.#now = options.now ?? Date.now;
    this.#max = max;
    this.prefix = `${prefix}launch:`;
  }

  async put(state: string, record: LaunchRecord, ttlMs: number): Promise<void> {
    const name = this.prefix + state;
    const waiting = this.sweep().filter((key) => key !== name);
    if (waiting.length >= this.#max) {
      throw new SmartAuthError(
        `${this.#max} launches are waiting for their callback in this storage: finish or let them expire first`,
        { code: SmartAuthErrorCode.LaunchLimit },
      );
    }
    const text = JSON.stringify({ v: FORMAT_VERSION, until: this.#now() + ttlMs, record });
    storageCall(name, "write", () => this.#storage.setItem(name, text));
  }

  async take(state: string): Promise<LaunchRecord | undefined> {
    const name = this.prefix + state;
    // read and remove in one synchronous step: no other callback of this page can run in between
    const text = storageCall(name, "read", () => {
      const value = this.#storage.getItem(name);
      this.#storage.removeItem(name);
      return value;
    });
    if (text === null) return undefined;
    const envelope = parseObject(text);
    const reason =
      envelope === undefined
        ? "not a JSON object"
        : envelope.v !== FORMAT_VERSION || typeof envelope.until !== "number"
          ? "unknown format version"
          : invalidRecord(envelope.record, state);
    if (reason !== undefined) throw corrupt(name, reason);
    return (envelope!.until as number) > this.#now() ? (envelope!.record as LaunchRecord) : undefined;
  }

  /** Remove expired and unreadable launch records; returns the keys of those still waiting. */
  sweep(): string[] {
    const now = this.#now();
    const waiting: string[] = [];
    for (const key of keysUnder(this.#storage, this.prefix)) {
      const until = parseObject(storageCall(key, "read", () => this.#storage.getItem(key)) ?? "")?.until;
      if (typeof until === "number" && until > now) waiting.push(key);
      else storageCall(key, "remove", () => this.#storage.removeItem(key));
    }
    return waiting;
  }
}
