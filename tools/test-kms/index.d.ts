import { SigningKeys, type SigningKeySpec, type SigningOperation } from "./signing.js";
export { SigningKeys, type SigningKeySpec, type SigningOperation } from "./signing.js";
/**
 * A local stand-in for AWS KMS on 127.0.0.1 that speaks the JSON 1.1 protocol the real
 * `@aws-sdk/client-kms` sends (POST /, X-Amz-Target: TrentService.<Op>). It verifies every request's
 * SigV4 signature, holds AES-256 keys per key id (aliases included), makes ciphertext blobs that
 * carry their key id, enforces EncryptionContext equality on Decrypt, counts calls and injects faults.
 */
export type KmsOperation = "GenerateDataKey" | "Decrypt" | "Encrypt" | "DescribeKey" | SigningOperation;
export type KmsFaultName =
  | "ThrottlingException"
  | "KMSInternalException"
  | "AccessDeniedException"
  | "DisabledException"
  | "NotFoundException"
  | "KMSInvalidStateException"
  | "InvalidCiphertextException"
  | "DependencyTimeoutException";
export interface LocalKmsOptions {
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
}
export declare class LocalKms {
  readonly calls: Record<KmsOperation, number>;
  /** Asymmetric keys: Sign and GetPublicKey (signing.js). */
  readonly signing: SigningKeys;
  /** Requests refused for a missing or wrong SigV4 signature. */
  unsignedRefused: number;
  /** The X-Amz-Target and parsed body of each accepted request, in order. */
  readonly requests: {
    op: KmsOperation;
    body: Record<string, unknown>;
  }[];
  constructor(options?: LocalKmsOptions);
  /** Start on 127.0.0.1, a free port. */
  start(): Promise<this>;
  get endpoint(): string;
  /** Client options for `new KMSClient(...)` pointed at this fixture. */
  clientConfig(): {
    region: string;
    endpoint: string;
    credentials: {
      accessKeyId: string;
      secretAccessKey: string;
    };
  };
  close(): Promise<void>;
  /** Create a key (enabled unless told), optionally under an alias ("alias/..."); returns its ARN. */
  createKey(options?: { id?: string; alias?: string; enabled?: boolean }): string;
  /** Create an asymmetric SIGN_VERIFY key (real key pair) with `Sign` and `GetPublicKey`; returns its ARN. */
  createSigningKey(
    spec: SigningKeySpec,
    options?: {
      id?: string;
      alias?: string;
      enabled?: boolean;
    },
  ): Promise<string>;
  /** Point an alias at another key (as a rotation by alias does). */
  setAlias(alias: string, keyIdOrArn: string): void;
  setEnabled(keyIdOrArn: string, enabled: boolean): void;
  /** Answer the next `times` calls of `op` with the KMS error `name`. */
  failNext(op: KmsOperation | "*", name: KmsFaultName, times?: number): void;
  /** Hold the next `times` answers to `op` for `delayMs`. */
  delayNext(op: KmsOperation | "*", delayMs: number, times?: number): void;
  resetCounts(): void;
}
/** Start a fixture with three keys: "alias/tokens" (enabled), "alias/tokens-next" (enabled), "alias/disabled". */
export declare function startLocalKms(options?: LocalKmsOptions): Promise<LocalKms>;
