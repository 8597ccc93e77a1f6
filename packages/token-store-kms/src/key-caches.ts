/** A data key ready for AES-GCM, with the KMS-encrypted copy that goes into each envelope. */
export interface DataKey {
  cryptoKey: CryptoKey;
  encryptedDataKey: Uint8Array;
  /** The ARN KMS reported for the wrapping key. */
  keyId: string;
}

export interface DataKeyCacheLimits {
  maxAgeMs: number;
  maxMessages: number;
}

/**
 * The data key for new writes, reused until it is `maxAgeMs` old or has encrypted `maxMessages`
 * values. Concurrent writers share one GenerateDataKey call (single flight).
 */
export class DataKeyCache {
  #current: { key: DataKey; requestedKeyId: string; createdAt: number; uses: number } | undefined;
  #pending: { requestedKeyId: string; promise: Promise<void> } | undefined;

  constructor(
    private readonly limits: DataKeyCacheLimits,
    private readonly now: () => number,
  ) {}

  /** A data key for one encryption under `requestedKeyId`, generating one when none is usable. */
  async acquire(requestedKeyId: string, generate: () => Promise<DataKey>): Promise<DataKey> {
    for (;;) {
      const current = this.#current;
      if (
        current !== undefined &&
        current.requestedKeyId === requestedKeyId &&
        current.uses < this.limits.maxMessages &&
        this.now() - current.createdAt < this.limits.maxAgeMs
      ) {
        current.uses++;
        return current.key;
      }
      if (this.#pending === undefined || this.#pending.requestedKeyId !== requestedKeyId) {
        const pending = {
          requestedKeyId,
          promise: generate().then((key) => {
            this.#current = { key, requestedKeyId, createdAt: this.now(), uses: 0 };
          }),
        };
        this.#pending = pending;
        pending.promise.then(
          () => this.#settle(pending),
          () => this.#settle(pending),
        );
      }
      await this.#pending.promise;
    }
  }

  #settle(pending: { promise: Promise<void> }): void {
    if (this.#pending === pending) this.#pending = undefined;
  }

  /** Forget the current data key (rotation): the next write generates a new one. */
  clear(): void {
    this.#current = undefined;
  }
}

export interface DecryptedKeyCacheLimits {
  maxAgeMs: number;
  maxEntries: number;
}

/**
 * Plaintext data keys (as non-extractable CryptoKeys) by their encrypted bytes, least recently used
 * first out, each for at most `maxAgeMs`. Concurrent reads of one blob share one Decrypt call.
 */
export class DecryptedKeyCache {
  readonly #entries = new Map<string, { key: CryptoKey; createdAt: number }>();
  readonly #pending = new Map<string, Promise<CryptoKey>>();

  constructor(
    private readonly limits: DecryptedKeyCacheLimits,
    private readonly now: () => number,
  ) {}

  async get(id: string, decrypt: () => Promise<CryptoKey>): Promise<CryptoKey> {
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      this.#entries.delete(id);
      if (this.now() - entry.createdAt < this.limits.maxAgeMs) {
        this.#entries.set(id, entry);
        return entry.key;
      }
    }
    let pending = this.#pending.get(id);
    if (pending === undefined) {
      pending = decrypt().then((key) => {
        this.put(id, key);
        return key;
      });
      const settle = () => this.#pending.delete(id);
      pending.then(settle, settle);
      this.#pending.set(id, pending);
    }
    return pending;
  }

  put(id: string, key: CryptoKey): void {
    this.#entries.delete(id);
    this.#entries.set(id, { key, createdAt: this.now() });
    while (this.#entries.size > this.limits.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
