import { DecryptCommand, DescribeKeyCommand, GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import {
  assertStoredToken,
  corruptValueError,
  hasLock,
  invalidValueError,
  TokenStoreError,
  type LockingTokenStore,
  TokenStoreErrorCode,
  type StoredToken,
  type TokenLock,
  type TokenStore,
} from "@fhir-dsl/token-store";
import { encode as toBase64Url } from "jose/base64url";
import { additionalData, formatEnvelope, importDataKey, open, parseEnvelope, seal, type Envelope } from "./envelope.js";
import { KeyAllowList, keyNotAllowed } from "./key-allow-list.js";
import { DataKeyCache, DecryptedKeyCache, type DataKey } from "./key-caches.js";
import { keyServiceError, malformedKmsResponse, type KmsOperationName } from "./kms-errors.js";
import { resolveOptions, validateKeyId, type KmsEncryptedTokenStoreOptions, type ResolvedOptions } from "./options.js";

/** `token_type` of the placeholder the wrapped store keeps; the real token is inside `__kms`. */
export const ENVELOPE_TOKEN_TYPE = "kms-envelope";
/** Stands in for every secret field of the placeholder. */
export const REDACTED = "<redacted>";

/** KMS calls made by one store, for cost checks and metrics. */
export interface KmsCallStats {
  generateDataKey: number;
  decrypt: number;
  /** DescribeKey lookups of `decryptKeyIds` aliases and key ids (SECURITY.md F12); never of a key a stored value names. */
  describeKey: number;
}

/** A KMS failure inside a shared (single-flight) call; mapped per caller to an error naming its key. */
class KmsCallFailure {
  constructor(
    readonly operation: KmsOperationName,
    readonly cause: unknown,
    readonly timedOut: boolean,
    readonly malformed: boolean,
  ) {}

  toError(key: string): TokenStoreError {
    return this.malformed
      ? malformedKmsResponse(this.operation, key)
      : keyServiceError(this.cause, this.operation, key, this.timedOut);
  }
}

const utf8 = new TextEncoder();

/**
 * A TokenStore that encrypts every token with AWS KMS envelope encryption before handing it to
 * another TokenStore: a KMS data key (cached within limits) encrypts locally with AES-256-GCM, the
 * storage key is bound as additional data, and decrypted data keys are cached so reads cost no KMS call.
 */
export class KmsEncryptedTokenStore implements TokenStore {
  /**
   * Present exactly when the wrapped store offers it: the wrapped store's lease, whose fenced `set()`
   * encrypts first, then writes through the wrapped lock (the lease check stays the wrapped store's).
   */
  declare lock?: (key: string, leaseMs: number) => Promise<TokenLock | undefined>;

  readonly #options: ResolvedOptions;
  readonly #stats: KmsCallStats = { generateDataKey: 0, decrypt: 0, describeKey: 0 };
  readonly #dataKeys: DataKeyCache | undefined;
  readonly #decryptedKeys: DecryptedKeyCache | undefined;
  readonly #allowList: KeyAllowList;
  #keyId: string;

  constructor(options: KmsEncryptedTokenStoreOptions) {
    this.#options = resolveOptions(options);
    this.#keyId = this.#options.keyId;
    const { dataKeyCache, decryptedKeyCache, now, store } = this.#options;
    this.#dataKeys = dataKeyCache && new DataKeyCache(dataKeyCache, now);
    this.#decryptedKeys = decryptedKeyCache && new DecryptedKeyCache(decryptedKeyCache, now);
    this.#allowList = new KeyAllowList(
      [this.#keyId, ...this.#options.decryptKeyIds],
      (name) => this.#describeKey(name),
      now,
    );
    if (hasLock(store)) this.lock = (key, leaseMs) => this.#lock(store, key, leaseMs);
  }

  /** KMS calls made so far (a snapshot). */
  get stats(): KmsCallStats {
    return { ...this.#stats };
  }

  /** The KMS key used for new writes. */
  get keyId(): string {
    return this.#keyId;
  }

  /** Use `keyId` for new writes from now on; values written under earlier keys still read. */
  rotate(keyId: string): void {
    this.#keyId = validateKeyId(keyId);
    this.#allowList.add(keyId);
    this.#dataKeys?.clear();
  }

  async get(key: string): Promise<StoredToken | undefined> {
    assertKey(key);
    const stored = await this.#options.store.get(key);
    if (stored === undefined) return undefined;
    if (typeof stored !== "object" || stored === null || stored.token_type !== ENVELOPE_TOKEN_TYPE) {
      throw new TokenStoreError(`The value under key "${key}" is not encrypted by KmsEncryptedTokenStore`, {
        code: TokenStoreErrorCode.CorruptValue,
        key,
      });
    }
    const envelope = parseEnvelope(stored.__kms, key);
    // SECURITY.md F12: only keys we configured; whoever can write the store cannot pick the key
    if (!this.#allowList.has(envelope.keyId)) await this.#assertAllowed(envelope.keyId, key);
    const dataKey = await this.#dataKeyFor(envelope, key);
    const aad = additionalData(key, envelope.keyId, envelope.encryptedDataKey, this.#options.encryptionContext);
    const plaintext = await open(dataKey, envelope, aad, key);
    return parseToken(plaintext, key);
  }

  async set(key: string, value: StoredToken): Promise<void> {
    assertKey(key);
    await this.#options.store.set(key, await this.#seal(key, value));
  }

  // The wrapped store's lease, its fenced write fed the sealed placeholder: encrypted before the write,
  // so the fence (the lease check) stays in the wrapped store's one atomic step.
  async #lock(store: LockingTokenStore, key: string, leaseMs: number): Promise<TokenLock | undefined> {
    assertKey(key);
    const inner = await store.lock(key, leaseMs);
    if (inner === undefined) return undefined;
    return {
      release: () => inner.release(),
      extend: (ms) => inner.extend(ms),
      set: async (value) => inner.set(await this.#seal(key, value)),
    };
  }

  /** The placeholder the wrapped store keeps for `value`: the token sealed under a KMS data key. */
  async #seal(key: string, value: StoredToken): Promise<StoredToken> {
    const plaintext = serialiseToken(value, key);
    let dataKey: DataKey;
    try {
      dataKey = this.#dataKeys
        ? await this.#dataKeys.acquire(this.#keyId, () => this.#generateDataKey(this.#keyId))
        : await this.#generateDataKey(this.#keyId);
    } catch (error) {
      throw error instanceof KmsCallFailure ? error.toError(key) : error;
    }
    const aad = additionalData(key, dataKey.keyId, dataKey.encryptedDataKey, this.#options.encryptionContext);
    const { iv, ciphertext } = await seal(dataKey.cryptoKey, plaintext, aad);
    const envelope = formatEnvelope({
      keyId: dataKey.keyId,
      encryptedDataKey: dataKey.encryptedDataKey,
      iv,
      ciphertext,
    });
    // The wrapped store still gets a StoredToken: expiry and "has a refresh token" stay visible for its TTL.
    const placeholder: StoredToken = { access_token: REDACTED, token_type: ENVELOPE_TOKEN_TYPE, __kms: envelope };
    if (typeof value.expires_at === "number" && Number.isFinite(value.expires_at))
      placeholder.expires_at = value.expires_at;
    if (value.refresh_token !== undefined && value.refresh_token !== null) placeholder.refresh_token = REDACTED;
    return placeholder;
  }

  async delete(key: string): Promise<void> {
    assertKey(key);
    await this.#options.store.delete(key);
  }

  async #callKms<T>(
    operation: KmsOperationName,
    command: GenerateDataKeyCommand | DecryptCommand | DescribeKeyCommand,
  ): Promise<T> {
    const { kms, timeoutMs } = this.#options;
    const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    if (operation === "GenerateDataKey") this.#stats.generateDataKey++;
    else if (operation === "Decrypt") this.#stats.decrypt++;
    else this.#stats.describeKey++;
    try {
      return (await kms.send(command as never, signal ? { abortSignal: signal } : undefined)) as T;
    } catch (error) {
      throw new KmsCallFailure(operation, error, signal?.aborted === true, false);
    }
  }

  async #generateDataKey(keyId: string): Promise<DataKey> {
    const command = new GenerateDataKeyCommand({
      KeyId: keyId,
      KeySpec: "AES_256",
      EncryptionContext: { ...this.#options.encryptionContext },
    });
    const output =
      (await this.#callKms<{ Plaintext?: Uint8Array; CiphertextBlob?: Uint8Array; KeyId?: unknown } | undefined>(
        "GenerateDataKey",
        command,
      )) ?? {};
    const { Plaintext, CiphertextBlob } = output;
    if (!(Plaintext instanceof Uint8Array) || !(CiphertextBlob instanceof Uint8Array) || CiphertextBlob.length === 0) {
      Plaintext?.fill?.(0);
      throw new KmsCallFailure("GenerateDataKey", undefined, false, true);
    }
    let cryptoKey: CryptoKey;
    try {
      cryptoKey = await importDataKey(Plaintext);
    } catch {
      throw new KmsCallFailure("GenerateDataKey", undefined, false, true);
    }
    // The ARN KMS reports, not an alias: an alias may later point at another key.
    const dataKey: DataKey = {
      cryptoKey,
      encryptedDataKey: CiphertextBlob,
      keyId: typeof output.KeyId === "string" && output.KeyId !== "" ? output.KeyId : keyId,
    };
    this.#decryptedKeys?.put(toBase64Url(CiphertextBlob), cryptoKey);
    this.#allowList.learn(dataKey.keyId);
    return dataKey;
  }

  async #assertAllowed(keyId: string, key: string): Promise<void> {
    let allowed: boolean;
    try {
      allowed = await this.#allowList.allows(keyId);
    } catch (error) {
      throw error instanceof KmsCallFailure ? error.toError(key) : error;
    }
    if (!allowed) throw keyNotAllowed(key, keyId);
  }

  /**
   * The key ARN a configured alias, alias ARN or key id names now. The write key is looked up with
   * GenerateDataKey (its KeyId), which the app may already call, so upgrading needs no new permission;
   * other keys with DescribeKey (https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html).
   */
  async #describeKey(name: string): Promise<string> {
    if (name === this.#keyId) return (await this.#generateDataKey(name)).keyId;
    const output = await this.#callKms<{ KeyMetadata?: { Arn?: unknown } } | undefined>(
      "DescribeKey",
      new DescribeKeyCommand({ KeyId: name }),
    );
    const arn = output?.KeyMetadata?.Arn;
    if (typeof arn !== "string" || arn === "") throw new KmsCallFailure("DescribeKey", undefined, false, true);
    return arn;
  }

  async #dataKeyFor(envelope: Envelope, key: string): Promise<CryptoKey> {
    const decrypt = async (): Promise<CryptoKey> => {
      const command = new DecryptCommand({
        CiphertextBlob: envelope.encryptedDataKey,
        // an allowed key (F12); KMS itself then refuses a data key that another key wrapped (IncorrectKeyException)
        KeyId: envelope.keyId,
        EncryptionContext: { ...this.#options.encryptionContext },
      });
      const output = await this.#callKms<{ Plaintext?: Uint8Array } | undefined>("Decrypt", command);
      if (!(output?.Plaintext instanceof Uint8Array)) throw new KmsCallFailure("Decrypt", undefined, false, true);
      try {
        return await importDataKey(output.Plaintext);
      } catch {
        throw new KmsCallFailure("Decrypt", undefined, false, true);
      }
    };
    try {
      return this.#decryptedKeys
        ? await this.#decryptedKeys.get(toBase64Url(envelope.encryptedDataKey), decrypt)
        : await decrypt();
    } catch (error) {
      throw error instanceof KmsCallFailure ? error.toError(key) : error;
    }
  }
}

function assertKey(key: unknown): asserts key is string {
  if (typeof key !== "string") throw new TypeError("KmsEncryptedTokenStore: pass the storage key as a string");
}

function serialiseToken(value: StoredToken, key: string): Uint8Array {
  assertStoredToken(key, value, "write");
  try {
    return utf8.encode(JSON.stringify(value));
  } catch {
    // no `cause`: the serialiser's message may quote a member
    throw invalidValueError(key, "the token is not JSON-serialisable");
  }
}

function parseToken(plaintext: Uint8Array, key: string): StoredToken {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext));
  } catch {
    // no `cause`: a JSON.parse error quotes the decrypted text
    throw corruptValueError(key, "the decrypted value is not JSON");
  } finally {
    plaintext.fill(0);
  }
  // authentic but not a token (another writer with the key, an older release): the one rule of every store
  assertStoredToken(key, value, "read");
  return value;
}
