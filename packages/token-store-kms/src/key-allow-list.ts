import { TokenStoreError, TokenStoreErrorCode } from "@fhir-dsl/token-store";

// arn:<partition>:kms:<region>:<account>:key/<key id>: a key named by ARN needs no lookup.
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
// Something that looks like a KMS key reference, and so may be shown in an error (never an arbitrary stored string).
const PRINTABLE = /^[A-Za-z0-9:/_.-]{1,256}$/;

/**
 * The KMS keys a store may decrypt with (SECURITY.md F12): the configured names (`keyId`, `decryptKeyIds`,
 * keys passed to `rotate`) verbatim, the key ARNs KMS reported for them (GenerateDataKey's KeyId), and the
 * ARNs their aliases, alias ARNs and bare key ids resolve to (looked up once, again at most every
 * `refreshMs` when an envelope names an ARN not yet known, so a retargeted alias is followed).
 */
export class KeyAllowList {
  readonly #allowed = new Set<string>();
  readonly #unresolved = new Set<string>();
  #resolving: Promise<void> | undefined;
  #resolvedAt = Number.NEGATIVE_INFINITY;

  constructor(
    names: readonly string[],
    private readonly describe: (keyId: string) => Promise<string>,
    private readonly now: () => number,
    private readonly refreshMs = 60_000,
  ) {
    for (const name of names) this.add(name);
  }

  /** A configured key name: allowed as written, and looked up when it is not a key ARN. */
  add(name: string): void {
    this.#allowed.add(name);
    if (!KEY_ARN.test(name)) {
      this.#unresolved.add(name);
      this.#resolvedAt = Number.NEGATIVE_INFINITY;
    }
  }

  /** The key ARN KMS reported for a configured key (GenerateDataKey's KeyId). */
  learn(arn: string): void {
    this.#allowed.add(arn);
  }

  /** Synchronous check: the key is allowed as far as already known. */
  has(keyId: string): boolean {
    return this.#allowed.has(keyId);
  }

  /** Whether `keyId` is allowed, resolving the configured aliases first if that may change the answer. */
  async allows(keyId: string): Promise<boolean> {
    if (this.#allowed.has(keyId)) return true;
    if (this.#unresolved.size === 0 || this.now() - this.#resolvedAt < this.refreshMs) return false;
    await (this.#resolving ??= this.#resolve().finally(() => {
      this.#resolving = undefined;
    }));
    return this.#allowed.has(keyId);
  }

  async #resolve(): Promise<void> {
    const arns = await Promise.all([...this.#unresolved].map((name) => this.describe(name)));
    for (const arn of arns) this.#allowed.add(arn);
    this.#resolvedAt = this.now();
  }
}

/** An envelope naming a KMS key this store may not decrypt with: refused before any Decrypt. */
export function keyNotAllowed(key: string, keyId: string): TokenStoreError {
  return new TokenStoreError(
    `The value under key "${key}" names KMS key ${PRINTABLE.test(keyId) ? keyId : "(unprintable)"}, not keyId or in decryptKeyIds: refused before any Decrypt`,
    { code: TokenStoreErrorCode.DecryptFailed, key, retryable: false },
  );
}
