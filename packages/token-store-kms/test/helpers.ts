import { inspect } from "node:util";
import { expect } from "vitest";
import { GenerateDataKeyCommand, KMSClient, type KMSClientConfig } from "@aws-sdk/client-kms";
import { InMemoryTokenStore, type StoredToken, type TokenStore } from "@fhir-dsl/token-store";
import { additionalData, formatEnvelope, importDataKey, seal } from "../src/envelope.js";
import {
  CONTEXT_PURPOSE,
  ENVELOPE_TOKEN_TYPE,
  KmsEncryptedTokenStore,
  REDACTED,
  type KmsEncryptedTokenStoreOptions,
} from "../src/index.js";
import type { LocalKms } from "@fhir-dsl/test-kms";

/** The real KMSClient pointed at the local fixture. */
export function kmsClient(kms: LocalKms, extra: Partial<KMSClientConfig> = {}): KMSClient {
  return new KMSClient({ ...kms.clientConfig(), ...extra });
}

export function encryptedStore(
  kms: LocalKms,
  options: Partial<KmsEncryptedTokenStoreOptions> = {},
): { store: KmsEncryptedTokenStore; inner: TokenStore } {
  const inner = options.store ?? new InMemoryTokenStore();
  const store = new KmsEncryptedTokenStore({ kms: kmsClient(kms), keyId: "alias/tokens", ...options, store: inner });
  return { store, inner };
}

let counter = 0;
export function uniqueKey(label: string): string {
  counter++;
  return `test:${label}:${counter}:${Math.random().toString(36).slice(2)}`;
}

/** A token carrying recognisable secrets, to look for in errors and raw values. */
export function secretToken(overrides: Partial<StoredToken> = {}): StoredToken {
  return {
    access_token: "AT-SECRET-0123456789",
    token_type: "Bearer",
    expires_in: 300,
    expires_at: 1_893_456_000_000,
    refresh_token: "RT-SECRET-9876543210",
    scope: "patient/*.rs offline_access",
    patient: "123",
    ...overrides,
  };
}

export const SECRETS = ["AT-SECRET-0123456789", "RT-SECRET-9876543210"];

/** No token, refresh token or `extra` secret in the message, String(), JSON or util.inspect (cause chain included). */
export function expectNoSecrets(error: unknown, extra: string[] = []): void {
  const views = [String(error), JSON.stringify(error), inspect(error, { depth: 6 }), (error as Error).message];
  for (const view of views) for (const secret of [...SECRETS, ...extra]) expect(view).not.toContain(secret);
}

/**
 * The contract's `raw.writeToken`: seal `token` (any JSON, unchecked) exactly as the store would, with a
 * data key from the local KMS, and put the placeholder into `inner`: an authentic envelope whose
 * plaintext is not a StoredToken (another writer with the key, an older release).
 */
export function sealedWriter(kms: LocalKms, inner: () => TokenStore): (key: string, token: unknown) => Promise<void> {
  let dataKey: Promise<{ cryptoKey: CryptoKey; encryptedDataKey: Uint8Array; keyId: string }> | undefined;
  // the context the store binds by default (no encryptionContext option)
  const context = { [CONTEXT_PURPOSE.name]: CONTEXT_PURPOSE.value };
  const newDataKey = async () => {
    const out = await kmsClient(kms).send(
      new GenerateDataKeyCommand({ KeyId: "alias/tokens", KeySpec: "AES_256", EncryptionContext: context }),
    );
    const encryptedDataKey = out.CiphertextBlob as Uint8Array;
    return {
      cryptoKey: await importDataKey(out.Plaintext as Uint8Array),
      encryptedDataKey,
      keyId: out.KeyId as string,
    };
  };
  return async (key, token) => {
    const { cryptoKey, encryptedDataKey, keyId } = await (dataKey ??= newDataKey());
    const plaintext = new TextEncoder().encode(JSON.stringify(token));
    const { iv, ciphertext } = await seal(cryptoKey, plaintext, additionalData(key, keyId, encryptedDataKey, context));
    const envelope = formatEnvelope({ keyId, encryptedDataKey, iv, ciphertext });
    await inner().set(key, { access_token: REDACTED, token_type: ENVELOPE_TOKEN_TYPE, __kms: envelope });
  };
}

/**
 * A wrapped store that keeps whatever it is given (InMemoryTokenStore refuses what is not a StoredToken):
 * to plant foreign, tampered or junk values behind a KmsEncryptedTokenStore.
 */
export class UncheckedMemoryStore implements TokenStore {
  readonly #values = new Map<string, unknown>();
  async get(key: string): Promise<StoredToken | undefined> {
    return structuredClone(this.#values.get(key)) as StoredToken | undefined;
  }
  async set(key: string, value: StoredToken): Promise<void> {
    this.#values.set(key, structuredClone(value));
  }
  async delete(key: string): Promise<void> {
    this.#values.delete(key);
  }
}
