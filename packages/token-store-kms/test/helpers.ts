import { inspect } from "node:util";
import { expect } from "vitest";
import { KMSClient, type KMSClientConfig } from "@aws-sdk/client-kms";
import { InMemoryTokenStore, type StoredToken, type TokenStore } from "@fhir-dsl/token-store";
import { KmsEncryptedTokenStore, type KmsEncryptedTokenStoreOptions } from "../src/index.js";
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
